// The demo of the README: loads examples/blocklist.txt into an interval
// set, looks an address up, deletes one, lists the set, and shows what nft
// prints for it. It runs in a throwaway user and network namespace, so it
// needs no privileges and leaves the host's firewall alone.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const MARKER = 'NFTSET_DEMO_NAMESPACE'

if (process.env[MARKER] !== '1') {
  // Re-run inside new user and network namespaces, where we are root.
  const result = spawnSync('unshare', ['-rn', '--', process.execPath, fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, [MARKER]: '1' },
  })
  if (result.error) {
    console.error(`cannot start unshare: ${result.error.message}; install util-linux`)
    process.exit(1)
  }
  process.exit(result.status ?? 1)
}

const { Nftables } = await import('nftset')

const listFile = fileURLToPath(new URL('blocklist.txt', import.meta.url))
const blocklist = readFileSync(listFile, 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))

const nft = await Nftables.open()
const ref = { family: 'inet', table: 'demo', set: 'blocklist' }

await nft.createTable({ family: 'inet', name: 'demo' })
await nft.createSet({ family: 'inet', table: 'demo', name: 'blocklist', type: 'ipv4_addr', flags: ['interval'] })
await nft.addElements(ref, blocklist)
console.log(`loaded ${blocklist.length} elements from examples/blocklist.txt`)

const [found] = await nft.getElements(ref, ['198.51.100.42'])
console.log(`198.51.100.42 is blocked by ${found.key}`)

await nft.deleteElements(ref, ['192.0.2.7'])
console.log('deleted 192.0.2.7')

const elements = await nft.listElements(ref)
console.log(`the set now holds ${elements.length} elements:`)
for (const element of elements) {
  console.log(`  ${element.key}`)
}
nft.close()

// npm puts node_modules/.bin first in PATH, where an unrelated `nft` may
// live, so nft is looked up in the system directories.
const nftBinary = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find(existsSync)
if (nftBinary) {
  console.log('\nnft list set inet demo blocklist:')
  console.log(execFileSync(nftBinary, ['list', 'set', 'inet', 'demo', 'blocklist'], { encoding: 'utf8' }))
} else {
  console.log('\nnft is not installed; install the nftables package to compare with nft list set')
}
