// Generates the API reference in docs/api/ from the compiled declaration
// files packages/nftset/dist/*.d.ts, so that the reference shows exactly
// the signatures and doc comments that users' editors show.
//
//     node scripts/build.mjs && node scripts/api-docs.mjs [--out DIR]
//
// Everything that dist/index.d.ts exports is documented, on one page per
// declaring file. __test__/api-docs.spec.ts regenerates the pages into a
// temporary directory and fails when docs/api differs.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Default directory of the declaration files. */
export const DIST_DIR = join(root, 'packages', 'nftset', 'dist')

/** Default output directory. */
export const DOCS_DIR = join(root, 'docs', 'api')

/** Page of each declaring file; a file missing here gets a page named after it. */
const PAGES = {
  'nftables.d.ts': {
    page: 'nftables.md',
    title: 'Nftables',
    intro: 'A connection to nf_tables in one network namespace, and the entry point of the library.',
  },
  'transaction.d.ts': {
    page: 'transaction.md',
    title: 'Transaction',
    intro: 'Operations collected for one atomic batch, committed with `Nftables.transaction()` or `Nftables.commit()`.',
  },
  'monitor.d.ts': {
    page: 'monitor.md',
    title: 'Monitor',
    intro: 'Set and element events, as `nft monitor` prints them.',
  },
  'errors.d.ts': {
    page: 'errors.md',
    title: 'Errors',
    intro: 'Every error that nftset throws is an `NftsetError` with a stable `code`.',
  },
  'lowlevel.d.ts': {
    page: 'lowlevel.md',
    title: 'Low-level API',
    intro:
      'The classes of the original Python wrapper over libnftnl: raw key and data bytes, a batch built message ' +
      'by message, a netlink socket to send it, and `handle()` to read the replies.',
  },
  'types.d.ts': {
    page: 'types.md',
    title: 'Types',
    intro: 'The argument and result types of the methods.',
  },
}

const printer = ts.createPrinter({ removeComments: true })

/**
 * Reads the public API from `distDir`: the exports of index.d.ts, grouped
 * into pages by declaring file. Each entry carries its kind, signatures
 * and doc text; classes carry their public members.
 */
export function collectApi(distDir = DIST_DIR) {
  const indexFile = join(distDir, 'index.d.ts')
  const program = ts.createProgram([indexFile], { noEmit: true, skipLibCheck: true, types: [] })
  const checker = program.getTypeChecker()
  const indexSource = program.getSourceFile(indexFile)
  if (indexSource === undefined) {
    throw new Error(`${indexFile} not found: run node scripts/build.mjs first`)
  }

  const pages = new Map()
  for (const exported of checker.getExportsOfModule(checker.getSymbolAtLocation(indexSource))) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    const declaration = target.declarations?.[0]
    if (declaration === undefined) continue

    const sourceFile = declaration.getSourceFile()
    const file = relative(distDir, sourceFile.fileName)
    const page = `${file.replace(/\.d\.ts$/, '').replace(/\//g, '-')}.md`
    const meta = PAGES[file] ?? { page, title: file, intro: '' }
    if (!pages.has(meta.page)) pages.set(meta.page, { ...meta, entries: [] })

    // `export { RawSet as Set }` beside `RawSet` documents one class under both names.
    const entries = pages.get(meta.page).entries
    const known = entries.find((entry) => entry.symbol === target)
    if (known !== undefined) {
      known.exportNames.push(exported.name)
      continue
    }

    const entry = describeDeclaration(checker, target, declaration, sourceFile)
    entries.push({ ...entry, symbol: target, exportNames: [exported.name], position: declaration.getStart(sourceFile) })
  }

  for (const page of pages.values()) {
    page.entries.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.position - b.position)
    for (const entry of page.entries) {
      entry.exportNames = declaredNameFirst(entry.exportNames, entry.name)
      delete entry.symbol
      delete entry.position
    }
  }
  return [...pages.values()].sort((a, b) => pageOrder(a.page) - pageOrder(b.page) || a.page.localeCompare(b.page))
}

/** Sorts export names alphabetically, except that the declared name comes first. */
function declaredNameFirst(names, declared) {
  const aliases = names.filter((name) => name !== declared).sort()
  return names.includes(declared) ? [declared, ...aliases] : aliases
}

/** Order of entries on a page: classes, then functions, then types; constants close the page. */
const KIND_ORDER = { class: 0, function: 1, interface: 2, type: 2, other: 3, constant: 4 }

function pageOrder(page) {
  const index = Object.values(PAGES).findIndex((meta) => meta.page === page)
  return index === -1 ? Infinity : index
}

/** Describes one exported declaration. */
function describeDeclaration(checker, symbol, declaration, sourceFile) {
  const base = { name: symbol.name, doc: docOf(checker, symbol) }
  if (ts.isClassDeclaration(declaration)) {
    const heritage = (declaration.heritageClauses ?? []).map((clause) => printNode(clause, sourceFile))
    const header = [`class ${symbol.name}${typeParameters(declaration, sourceFile)}`, ...heritage].join(' ')
    return { ...base, kind: 'class', header, members: classMembers(checker, declaration, sourceFile) }
  }
  if (ts.isInterfaceDeclaration(declaration)) {
    return { ...base, kind: 'interface', fields: interfaceFields(checker, declaration, sourceFile) }
  }
  if (ts.isTypeAliasDeclaration(declaration)) {
    return { ...base, kind: 'type', text: typeAliasText(declaration, sourceFile) }
  }
  if (ts.isFunctionDeclaration(declaration)) {
    const signatures = symbol.declarations.map((node) => printSignature(node, sourceFile))
    return { ...base, kind: 'function', signatures }
  }
  if (ts.isVariableDeclaration(declaration)) {
    const value = declaration.initializer ? printNode(declaration.initializer, sourceFile) : undefined
    const type = declaration.type ? printNode(declaration.type, sourceFile) : undefined
    return { ...base, kind: 'constant', value, type }
  }
  return { ...base, kind: 'other', text: printSignature(declaration, sourceFile) }
}

/** Lists the public members of a class in declaration order; overloads share one entry. */
function classMembers(checker, declaration, sourceFile) {
  const members = []
  for (const member of declaration.members) {
    if (!isPublic(member)) continue

    const isStatic = hasModifier(member, ts.SyntaxKind.StaticKeyword)
    const kind = memberKind(member)
    const name = kind === 'constructor' ? 'constructor' : printNode(member.name, sourceFile)
    const signature = printSignature(member, sourceFile)
    const previous = members.at(-1)
    if (previous !== undefined && previous.name === name && previous.static === isStatic && previous.kind === kind) {
      previous.signatures.push(signature)
      continue
    }

    const symbol = member.name === undefined ? undefined : checker.getSymbolAtLocation(member.name)
    const doc = symbol === undefined ? docOfNode(member) : docOf(checker, symbol)
    const type = member.type === undefined ? '' : printNode(member.type, sourceFile)
    const readonly = hasModifier(member, ts.SyntaxKind.ReadonlyKeyword) || isGetterOnly(declaration, member)
    const optional = member.questionToken !== undefined
    members.push({ name, kind, static: isStatic, readonly, optional, type, signatures: [signature], doc })
  }
  return members
}

/** True for a `get` accessor without a `set` accessor of the same name. */
function isGetterOnly(declaration, member) {
  if (!ts.isGetAccessorDeclaration(member)) return false
  const name = member.name.getText()
  return !declaration.members.some((other) => ts.isSetAccessorDeclaration(other) && other.name.getText() === name)
}

function memberKind(member) {
  if (ts.isConstructorDeclaration(member)) return 'constructor'
  if (ts.isMethodDeclaration(member)) return 'method'
  if (ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member)) return 'accessor'
  return 'property'
}

/** False for `private` and `protected` members and for `#private` fields. */
function isPublic(member) {
  if (member.name !== undefined && ts.isPrivateIdentifier(member.name)) return false
  return !hasModifier(member, ts.SyntaxKind.PrivateKeyword) && !hasModifier(member, ts.SyntaxKind.ProtectedKeyword)
}

function hasModifier(node, kind) {
  return (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind)
}

/** Lists the fields of an interface: name, optional flag, type text and doc. */
function interfaceFields(checker, declaration, sourceFile) {
  return declaration.members.map((member) => {
    const symbol = member.name === undefined ? undefined : checker.getSymbolAtLocation(member.name)
    const isProperty = ts.isPropertySignature(member)
    return {
      name: member.name === undefined ? '' : printNode(member.name, sourceFile),
      optional: member.questionToken !== undefined,
      readonly: hasModifier(member, ts.SyntaxKind.ReadonlyKeyword),
      type: isProperty && member.type ? printNode(member.type, sourceFile) : printSignature(member, sourceFile),
      method: !isProperty,
      doc: symbol === undefined ? docOfNode(member) : docOf(checker, symbol),
    }
  })
}

/** Prints a type alias; a long union gets one member per line. */
function typeAliasText(declaration, sourceFile) {
  const head = `type ${printNode(declaration.name, sourceFile)}${typeParameters(declaration, sourceFile)} =`
  const type = declaration.type
  const flat = `${head} ${printNode(type, sourceFile)}`
  if (flat.length <= 100 || !ts.isUnionTypeNode(type)) return flat
  return [head, ...type.types.map((member) => `  | ${printNode(member, sourceFile)}`)].join('\n')
}

function typeParameters(declaration, sourceFile) {
  if (declaration.typeParameters === undefined) return ''
  return `<${declaration.typeParameters.map((parameter) => printNode(parameter, sourceFile)).join(', ')}>`
}

/** Prints a declaration without its comments, `export` or `declare`, on one line. */
function printSignature(node, sourceFile) {
  return printNode(node, sourceFile)
    .replace(/^export\s+/, '')
    .replace(/^declare\s+/, '')
    .replace(/;$/, '')
}

/** Prints a node on one line: the printer's line breaks become spaces. */
function printNode(node, sourceFile) {
  return printer
    .printNode(ts.EmitHint.Unspecified, node, sourceFile)
    .replace(/\s+/g, ' ')
    .replace(/;\s*}/g, ' }')
    .trim()
}

/** Returns the doc comment text of a symbol, followed by its JSDoc tags. */
function docOf(checker, symbol) {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()
  const tags = symbol.getJsDocTags(checker).map((tag) => {
    const tagText = ts.displayPartsToString(tag.text ?? []).trim()
    return `**@${tag.name}**${tagText === '' ? '' : ` ${tagText}`}`
  })
  return [text, ...tags].filter((part) => part !== '').join('\n\n')
}

/** Returns the doc comment text of a node that has no symbol, such as a constructor. */
function docOfNode(node) {
  return ts
    .getJSDocCommentsAndTags(node)
    .filter(ts.isJSDoc)
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
    .join('\n\n')
    .trim()
}

/** Renders the pages as Markdown: a map from file name to content. */
export function renderPages(pages) {
  const files = new Map()
  files.set('README.md', renderIndex(pages))
  for (const page of pages) {
    files.set(page.page, renderPage(page))
  }
  return files
}

const GENERATED = '<!-- Generated by scripts/api-docs.mjs from packages/nftset/dist/*.d.ts. Do not edit. -->'

function renderIndex(pages) {
  const lines = [GENERATED, '', '# nftset API reference', '']
  lines.push('Generated from the declaration files of the package, so it matches what editors show.')
  lines.push('Everything listed here is exported by `nftset`.', '')
  for (const page of pages) {
    lines.push(`## [${page.title}](${page.page})`, '')
    if (page.intro !== '') lines.push(page.intro, '')
    const names = page.entries.flatMap((entry) =>
      entry.exportNames.map((name) => `[\`${name}\`](${page.page}#${anchor(entry.exportNames[0])})`),
    )
    lines.push(names.join(', '), '')
  }
  return `${lines.join('\n').trimEnd()}\n`
}

function renderPage(page) {
  const lines = [GENERATED, '', `# ${page.title}`, '']
  if (page.intro !== '') lines.push(page.intro, '')
  lines.push('[All pages](README.md)', '')

  const constants = page.entries.filter((entry) => entry.kind === 'constant')
  for (const entry of page.entries) {
    if (entry.kind !== 'constant') lines.push(...renderEntry(entry))
  }
  if (constants.length > 0) lines.push(...renderConstants(constants))
  return `${lines.join('\n').trimEnd()}\n`
}

function renderEntry(entry) {
  const [exportName, ...aliases] = entry.exportNames
  const lines = [`## ${exportName}`, '']
  if (exportName !== entry.name) {
    lines.push(`Exported as \`${exportName}\`; declared as \`${entry.name}\`.`, '')
  }
  if (aliases.length > 0) {
    lines.push(`Also exported as ${aliases.map((alias) => `\`${alias}\``).join(', ')}.`, '')
  }
  switch (entry.kind) {
    case 'class':
      lines.push(...codeBlock(entry.header))
      if (entry.doc !== '') lines.push(entry.doc, '')
      lines.push(...renderProperties(entry.members.filter((member) => !isCallable(member))))
      for (const member of entry.members.filter(isCallable)) lines.push(...renderMember(exportName, member))
      break
    case 'interface':
      lines.push(...codeBlock(`interface ${entry.name}`))
      if (entry.doc !== '') lines.push(entry.doc, '')
      lines.push(...renderFields(entry.fields))
      break
    case 'type':
      lines.push(...codeBlock(entry.text))
      if (entry.doc !== '') lines.push(entry.doc, '')
      break
    default:
      lines.push(...codeBlock((entry.signatures ?? [entry.text]).join('\n')))
      if (entry.doc !== '') lines.push(entry.doc, '')
  }
  return lines
}

function isCallable(member) {
  return member.kind === 'method' || member.kind === 'constructor'
}

/** Renders the properties and accessors of a class as one table. */
function renderProperties(members) {
  if (members.length === 0) return []
  const lines = ['| property | type | description |', '|---|---|---|']
  for (const member of members) {
    const modifiers = `${member.static ? 'static ' : ''}${member.readonly ? 'readonly ' : ''}`
    const name = `${modifiers}${member.name}${member.optional ? '?' : ''}`
    lines.push(`| \`${name}\` | ${tableCode(member.type)} | ${tableText(member.doc)} |`)
  }
  return [...lines, '']
}

function renderMember(className, member) {
  let heading
  if (member.kind === 'constructor') heading = `new ${className}()`
  else if (member.static) heading = `${className}.${member.name}()`
  else heading = `${member.name}()`

  const lines = [`### ${heading}`, '', ...codeBlock(member.signatures.join('\n'))]
  if (member.doc !== '') lines.push(member.doc, '')
  return lines
}

function renderFields(fields) {
  if (fields.length === 0) return []
  const lines = ['| field | type | description |', '|---|---|---|']
  for (const field of fields) {
    const name = `${field.readonly ? 'readonly ' : ''}${field.name}${field.optional ? '?' : ''}`
    lines.push(`| \`${name}\` | ${tableCode(field.type)} | ${tableText(field.doc)} |`)
  }
  return [...lines, '']
}

function renderConstants(constants) {
  const lines = ['## Constants', '', '| name | value | description |', '|---|---|---|']
  for (const constant of constants) {
    const value = constant.value ?? constant.type ?? ''
    lines.push(`| \`${constant.exportNames[0]}\` | ${tableCode(value)} | ${tableText(constant.doc)} |`)
  }
  return [...lines, '']
}

function codeBlock(text) {
  return ['```ts', text, '```', '']
}

/** Code in a table cell: pipes escaped, as GitHub's tables need even inside backticks. */
function tableCode(text) {
  return text === '' ? '' : `\`${text.replace(/\|/g, '\\|')}\``
}

/** Text in a table cell: one line, pipes escaped. */
function tableText(text) {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')
}

/** The anchor GitHub gives a heading. */
function anchor(heading) {
  return heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-')
}

/** Writes the pages into `outDir`, removing Markdown files that no page produces. */
export function writeDocs(outDir = DOCS_DIR, distDir = DIST_DIR) {
  const files = renderPages(collectApi(distDir))
  mkdirSync(outDir, { recursive: true })
  for (const existing of readdirSync(outDir)) {
    if (existing.endsWith('.md') && !files.has(existing)) rmSync(join(outDir, existing))
  }
  for (const [name, content] of files) {
    writeFileSync(join(outDir, name), content)
  }
  return [...files.keys()]
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outIndex = process.argv.indexOf('--out')
  const outDir = outIndex === -1 ? DOCS_DIR : process.argv[outIndex + 1]
  if (outDir === undefined) {
    console.error('--out needs a directory')
    process.exit(2)
  }
  const written = writeDocs(outDir)
  console.log(`wrote ${written.length} pages to ${outDir}`)
}
