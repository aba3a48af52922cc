/**
 * What the library must never do: start a process, or write anything, and
 * so element contents, to stdout or stderr unless `NFTSET_DEBUG` asks for
 * it. Length and NUL checks of names and comments are in bad-input.spec.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

import test from 'ava'

import { withNetns } from './helpers/netns.js'

const root = join(__dirname, '..', '..')

/** Every file under `dir` whose name ends with `suffix`. */
function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name))
}

/** Lines of `paths` that match `pattern`, as `file:line: text`. */
function matches(paths: string[], pattern: RegExp): string[] {
  const found: string[] = []
  for (const path of paths) {
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (pattern.test(line)) found.push(`${relative(root, path)}:${index + 1}: ${line.trim()}`)
      })
  }
  return found
}

const typescript = files(join(root, 'packages/nftset/src'), '.ts')
const rust = [...files(join(root, 'crates/nftset-core/src'), '.rs'), ...files(join(root, 'crates/nftset-node/src'), '.rs')]

test('sources were found', (t) => {
  t.true(typescript.length >= 8, `${typescript.length} TypeScript files`)
  t.true(rust.length >= 20, `${rust.length} Rust files`)
})

test('TypeScript package starts no process', (t) => {
  t.deepEqual(matches(typescript, /child_process|\bexecFile\b|\bexecSync\b|process\.binding/), [])
})

test('Rust crates start no process', (t) => {
  t.deepEqual(matches(rust, /\bCommand\b|process::Command|\bfork\(|\bexecv|posix_spawn|libc::system/), [])
})

test('library writes nothing outside the debug hook', (t) => {
  // The command-line tool under src/cli prints by design; the library
  // around it does not.
  const library = typescript.filter((path) => !path.includes(`${join('src', 'cli')}`))
  t.deepEqual(matches(library, /console\.|process\.(stdout|stderr)/), [])

  // The one print in the crates is the opt-in NFTSET_DEBUG=batch hook.
  const prints = matches(rust, /\b(e?print(ln)?!|dbg!)/)
  for (const line of prints) {
    const [path, number] = line.split(':')
    const source = readFileSync(join(root, path), 'utf8').split('\n')
    const guard = source.slice(Number(number) - 3, Number(number) - 1).join('\n')
    t.regex(guard, /diagnostics_enabled\(\)/, `${line} is not behind NFTSET_DEBUG`)
  }
})

test('calls print nothing, even on errors', async (t) => {
  await withNetns(async (ns) => {
    const script = `
      const { Nftables } = require('nftset')
      const ref = { family: 'inet', table: 't', set: 's' }
      Nftables.open({ netns: process.argv[1] }).then(async (nft) => {
        await nft.createTable({ family: 'inet', name: 't' })
        await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr', flags: ['timeout'] })
        await nft.addElements(ref, [{ key: '192.0.2.77', comment: 'secret-comment', timeout: '1h' }])
        await nft.createElements(ref, ['192.0.2.77']).catch(() => undefined)
        await nft.addElements(ref, ['192.0.2.777']).catch(() => undefined)
        await nft.deleteElements(ref, ['198.51.100.77']).catch(() => undefined)
        await nft.listElements(ref)
        nft.close()
      })`
    const env = { ...process.env }
    delete env.NFTSET_DEBUG
    const child = spawnSync(process.execPath, ['-e', script, ns.path], { cwd: root, encoding: 'utf8', env })

    t.is(child.status, 0)
    t.is(child.stdout, '')
    t.is(child.stderr, '')
    t.is(ns.elems('inet', 't', 's').length, 1)
  })
})
