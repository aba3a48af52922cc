/**
 * The npm packages as a user installs them. `npm pack` packs the main
 * package and the linux-x64-gnu platform package, both tarballs are
 * installed into an empty directory with cargo left out of PATH, and a
 * script there uses nftset through `import` and through `require` in a
 * throwaway namespace. The main tarball carries no `.node` file, so the
 * generated loader must find the addon in the platform package.
 */
import { execFile, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { promisify } from 'node:util'

import test from 'ava'

import { nftElems } from './helpers/contents.js'
import { TestNetns } from './helpers/netns.js'

const root = resolve(__dirname, '..', '..')
const packageDir = join(root, 'packages', 'nftset')
const PLATFORM = 'linux-x64-gnu'
const ADDON = `nftset.${PLATFORM}.node`

interface PackageJson {
  name: string
  version: string
  bin?: string | Record<string, string>
  exports?: unknown
  optionalDependencies?: Record<string, string>
}

const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageJson

/**
 * Builds the environment of a user without Rust: PATH without ~/.cargo/bin, and
 * no npm_* variables, which `npm test` sets and which would steer the
 * inner npm commands.
 */
function userEnv(): NodeJS.ProcessEnv {
  const cargoBin = join(homedir(), '.cargo', 'bin')
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && resolve(entry) !== cargoBin && !entry.includes('/.cargo/'))
    .join(delimiter)
  const env: NodeJS.ProcessEnv = { PATH: path }
  for (const [key, value] of Object.entries(process.env)) {
    if (key !== 'PATH' && !key.toLowerCase().startsWith('npm_')) env[key] = value
  }
  return env
}

/** Runs a command and returns its stdout; throws with its stderr when it fails. */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd, env: userEnv(), encoding: 'utf8' })
    return stdout
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string }
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`)
  }
}

/** Packs the package in `dir` into `destination`; returns the tarball path and the packed files. */
async function pack(dir: string, destination: string): Promise<{ tarball: string; files: string[] }> {
  const output = await run('npm', ['pack', '--json', '--pack-destination', destination], dir)
  const [result] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>
  return { tarball: join(destination, result.filename), files: result.files.map((file) => file.path) }
}

/** Returns a script that creates a set, adds two elements, and prints the listing and the loaded addon. */
function demoScript(kind: 'esm' | 'cjs'): string {
  const esmImports = [
    "import { Nftables } from 'nftset'",
    "import { createRequire } from 'node:module'",
    'const require = createRequire(import.meta.url)',
  ]
  const imports = kind === 'esm' ? esmImports : ["const { Nftables } = require('nftset')"]
  return `${imports.join('\n')}

async function main() {
  const nft = await Nftables.open()
  const ref = { family: 'inet', table: 'pkg', set: '${kind}' }
  await nft.createTable({ family: 'inet', name: 'pkg' })
  await nft.createSet({ family: 'inet', table: 'pkg', name: '${kind}', type: 'ipv4_addr', flags: ['interval'] })
  await nft.addElements(ref, ['192.0.2.1', '198.51.100.0/24'])
  console.log(JSON.stringify(await nft.listElements(ref)))
  nft.close()
  // The CommonJS loader caches native addons too, whichever entry point loaded nftset.
  const addons = Object.keys(require.cache).filter((file) => file.endsWith('.node'))
  console.log(JSON.stringify(addons.map((file) => file.slice(process.cwd().length + 1))))
}
main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
`
}

interface Installed {
  dir: string
  mainFiles: string[]
  platformFiles: string[]
}

let installed: Promise<Installed> | undefined
const workDir = mkdtempSync(join(tmpdir(), 'nftset-packaging-'))

/** Packs both packages and installs them into an empty project, once for all tests. */
function install(): Promise<Installed> {
  installed ??= (async () => {
    const main = await pack(packageDir, workDir)

    // The platform package as a release would fill it: its package.json
    // from npm/<platform> and the addon built for that platform.
    const staged = join(workDir, PLATFORM)
    mkdirSync(staged)
    copyFileSync(join(packageDir, 'npm', PLATFORM, 'package.json'), join(staged, 'package.json'))
    copyFileSync(join(packageDir, 'npm', PLATFORM, 'README.md'), join(staged, 'README.md'))
    copyFileSync(join(packageDir, 'native', ADDON), join(staged, ADDON))
    const platform = await pack(staged, workDir)

    const app = join(workDir, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }))
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', main.tarball, platform.tarball], app)
    writeFileSync(join(app, 'demo.mjs'), demoScript('esm'))
    writeFileSync(join(app, 'demo.cjs'), demoScript('cjs'))
    return { dir: app, mainFiles: main.files, platformFiles: platform.files }
  })()
  return installed
}

test.after.always(() => {
  rmSync(workDir, { recursive: true, force: true })
})

/** Runs `command` in the installed project, inside the namespace `ns`. */
function runInNamespace(ns: TestNetns, dir: string, command: string[]): Promise<string> {
  return run('nsenter', [`--net=${ns.path}`, ...command], dir)
}

test('cargo is absent from the user PATH', (t) => {
  const lookup = spawnSync('sh', ['-c', 'command -v cargo'], { env: userEnv(), encoding: 'utf8' })
  t.not(lookup.status, 0, `cargo found at ${lookup.stdout.trim()}`)
})

test('main package lists platform packages', (t) => {
  t.deepEqual(Object.keys(manifest.optionalDependencies ?? {}).sort(), [
    'nftset-linux-arm64-gnu',
    'nftset-linux-arm64-musl',
    'nftset-linux-x64-gnu',
    'nftset-linux-x64-musl',
  ])
  for (const [name, version] of Object.entries(manifest.optionalDependencies ?? {})) {
    t.is(version, manifest.version, `${name} must have the main package's version`)
    const platform = name.slice('nftset-'.length)
    const platformManifest = JSON.parse(readFileSync(join(packageDir, 'npm', platform, 'package.json'), 'utf8')) as {
      name: string
      version: string
      main: string
    }
    t.is(platformManifest.name, name)
    t.is(platformManifest.version, manifest.version)
    t.is(platformManifest.main, `nftset.${platform}.node`)
  }
})

test('tarballs hold the entry points and one addon', async (t) => {
  const { mainFiles, platformFiles } = await install()
  const entryPoints = ['package.json', 'index.mjs', 'index.d.mts', 'dist/index.js', 'dist/index.d.ts', 'native/index.js']
  for (const file of entryPoints) {
    t.true(mainFiles.includes(file), `main tarball lacks ${file}`)
  }
  t.deepEqual(
    mainFiles.filter((file) => file.endsWith('.node')),
    [],
    'the main tarball must not carry an addon',
  )
  t.deepEqual(platformFiles.sort(), ['README.md', ADDON, 'package.json'].sort())
})

test('installed package works through import', async (t) => {
  const { dir } = await install()
  const ns = await TestNetns.create()
  try {
    const [listing, addons] = (await runInNamespace(ns, dir, [process.execPath, 'demo.mjs'])).trimEnd().split('\n')
    t.deepEqual(JSON.parse(listing), [{ key: '192.0.2.1' }, { key: '198.51.100.0/24' }])
    t.deepEqual(JSON.parse(addons), [`node_modules/nftset-${PLATFORM}/${ADDON}`])
    t.deepEqual(nftElems(ns, { family: 'inet', table: 'pkg', set: 'esm' }), [
      '192.0.2.1',
      { prefix: { addr: '198.51.100.0', len: 24 } },
    ])
  } finally {
    await ns.destroy()
  }
})

test('installed package works through require', async (t) => {
  const { dir } = await install()
  const ns = await TestNetns.create()
  try {
    const [listing, addons] = (await runInNamespace(ns, dir, [process.execPath, 'demo.cjs'])).trimEnd().split('\n')
    t.deepEqual(JSON.parse(listing), [{ key: '192.0.2.1' }, { key: '198.51.100.0/24' }])
    t.deepEqual(JSON.parse(addons), [`node_modules/nftset-${PLATFORM}/${ADDON}`])
    t.deepEqual(nftElems(ns, { family: 'inet', table: 'pkg', set: 'cjs' }), [
      '192.0.2.1',
      { prefix: { addr: '198.51.100.0', len: 24 } },
    ])
  } finally {
    await ns.destroy()
  }
})

test('import and require share one module', async (t) => {
  const { dir } = await install()
  const script =
    "import * as esm from 'nftset'; import { createRequire } from 'node:module';" +
    "const cjs = createRequire(import.meta.url)('nftset');" +
    'console.log(JSON.stringify({ same: esm.NftsetError === cjs.NftsetError,' +
    " missing: Object.keys(cjs).filter((name) => !(name in esm)) }))"
  const output = await run(process.execPath, ['--input-type=module', '-e', script], dir)
  t.deepEqual(JSON.parse(output), { same: true, missing: [] })
})

// The command-line tool is tested once the package declares a bin.
const cliTest = manifest.bin === undefined ? test.skip : test
cliTest('installed CLI prints its help', async (t) => {
  const { dir } = await install()
  const ns = await TestNetns.create()
  try {
    const output = await runInNamespace(ns, dir, ['npx', '--no', '--', 'nftset', '--help'])
    t.regex(output, /nftset/)
  } finally {
    await ns.destroy()
  }
})
