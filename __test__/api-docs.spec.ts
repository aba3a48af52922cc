/**
 * The API reference in docs/api/ and the API section of README.md, checked
 * against the compiled declaration files, so that neither drifts from the
 * code. Fix a failure by running `node scripts/api-docs.mjs` after the
 * build, or by editing the README table.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

import test from 'ava'

const root = resolve(__dirname, '..', '..')
const docsDir = join(root, 'docs', 'api')

/** A class member as scripts/api-docs.mjs collects it. */
interface Member {
  name: string
  kind: 'constructor' | 'method' | 'accessor' | 'property'
  static: boolean
}

/** An exported declaration as scripts/api-docs.mjs collects it. */
interface Entry {
  name: string
  exportNames: string[]
  kind: string
  members?: Member[]
}

interface ApiDocs {
  collectApi(distDir?: string): Array<{ page: string; entries: Entry[] }>
  writeDocs(outDir?: string, distDir?: string): string[]
}

async function loadApiDocs(): Promise<ApiDocs> {
  return (await import(pathToFileURL(join(root, 'scripts', 'api-docs.mjs')).href)) as ApiDocs
}

let exported: Promise<Map<string, Entry>> | undefined

/** Maps each export name to its declaration; parsed once, because parsing takes seconds. */
function exportedEntries(): Promise<Map<string, Entry>> {
  exported ??= loadApiDocs().then((apiDocs) => {
    const entries = new Map<string, Entry>()
    for (const page of apiDocs.collectApi()) {
      for (const entry of page.entries) {
        for (const name of entry.exportNames) entries.set(name, entry)
      }
    }
    return entries
  })
  return exported
}

/** Returns the README text from `## API` up to the next second-level heading. */
function readmeApiSection(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const start = readme.indexOf('\n## API\n')
  if (start === -1) throw new Error('README.md has no "## API" section')
  const end = readme.indexOf('\n## ', start + 1)
  return readme.slice(start, end === -1 ? undefined : end)
}

/**
 * Returns the methods named in the first column of the README's API table, such as
 * `Nftables.open({ netns })` or `createTable(table, { exclusive })`.
 */
function readmeTableMethods(): Array<{ text: string; name: string; static: boolean }> {
  const rows = readmeApiSection()
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*(method|-+)\s*\|/.test(line))
  const methods = []
  for (const row of rows) {
    const firstCell = row.split('|')[1]
    for (const [, code] of firstCell.matchAll(/`([^`]+)`/g)) {
      const match = /^(?:(\w+)\.)?(\w+)\(/.exec(code)
      if (match === null) throw new Error(`README API table: cannot read a method name from \`${code}\``)
      methods.push({ text: code, name: match[2], static: match[1] !== undefined })
    }
  }
  return methods
}

test('docs/api matches the declarations', async (t) => {
  const apiDocs = await loadApiDocs()
  const fresh = mkdtempSync(join(tmpdir(), 'nftset-api-docs-'))
  try {
    const written = apiDocs.writeDocs(fresh).sort()
    const committed = readdirSync(docsDir)
      .filter((name) => name.endsWith('.md'))
      .sort()
    t.deepEqual(committed, written, 'docs/api has other pages than the generator writes')

    for (const name of written) {
      const expected = readFileSync(join(fresh, name), 'utf8')
      const actual = readFileSync(join(docsDir, name), 'utf8')
      t.is(actual, expected, `docs/api/${name} is out of date: run node scripts/api-docs.mjs`)
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true })
  }
})

test('README table names only existing methods', async (t) => {
  const nftables = (await exportedEntries()).get('Nftables')
  const members = nftables?.members ?? []
  const listed = readmeTableMethods()
  t.true(listed.length > 0, 'README API table lists no methods')

  const unknown = listed
    .filter((method) => !members.some((member) => member.name === method.name && member.static === method.static))
    .map((method) => method.text)
  t.deepEqual(unknown, [], 'README API table lists methods that Nftables does not have')
})

test('README table lists every public method', async (t) => {
  const nftables = (await exportedEntries()).get('Nftables')
  const methods = (nftables?.members ?? []).filter((member) => member.kind === 'method')
  t.true(methods.length > 0, 'Nftables has no public methods: is packages/nftset/dist built?')

  const listed = readmeTableMethods()
  const missing = methods
    .filter((method) => !listed.some((entry) => entry.name === method.name && entry.static === method.static))
    .map((method) => `${method.static ? 'Nftables.' : ''}${method.name}`)
  t.deepEqual(missing, [], 'Nftables methods missing from the README API table')
})

test('README low-level list names existing exports', async (t) => {
  const entries = await exportedEntries()
  const bullets = readmeApiSection()
    .split(/\n(?=- )/)
    .filter((block) => block.startsWith('- '))
    .map((block) => block.split('\n\n')[0])
  t.true(bullets.length > 0, 'README API section has no low-level list')

  // The first name of a bullet is an export; names after it are members
  // of that class, or, after a function or constant, more exports.
  const unknown: string[] = []
  for (const bullet of bullets) {
    const [first, ...rest] = [...bullet.matchAll(/`(\w+)(?:\([^`]*\))?`/g)].map((match) => match[1])
    const entry = entries.get(first)
    if (entry === undefined) unknown.push(first)
    for (const name of rest) {
      const known =
        entry?.kind === 'class' ? entry.members!.some((member) => member.name === name) : entries.has(name)
      if (!known) unknown.push(entry?.kind === 'class' ? `${first}.${name}` : name)
    }
  }
  t.deepEqual(unknown, [], 'README low-level list names what nftset does not export')
})
