// Builds the native addon with napi-rs and compiles the TypeScript package
// and the tests. `--debug` builds the addon without optimizations.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const release = !process.argv.includes('--debug')

function run(command, args) {
  console.log(`> ${command} ${args.join(' ')}`)
  execFileSync(command, args, { cwd: root, stdio: 'inherit' })
}

run('npx', [
  'napi',
  'build',
  '--platform',
  ...(release ? ['--release'] : []),
  '--manifest-path',
  'crates/nftset-node/Cargo.toml',
  '--package-json-path',
  'packages/nftset/package.json',
  '--output-dir',
  'packages/nftset/native',
  '--js',
  'index.js',
  '--dts',
  'index.d.ts',
])
run('npx', ['tsc', '-p', 'packages/nftset'])
run('npx', ['tsc', '-p', '.'])
