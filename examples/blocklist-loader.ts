/**
 * Loads a blocklist file into an interval set, the way a cron job would.
 *
 * The file has one element per line in nft's syntax: addresses, prefixes
 * and ranges, with blank lines and `#` comments allowed. Running it again
 * syncs the set with the file: only the lines that changed are sent, in
 * one atomic batch, so packets never see a half-loaded set.
 *
 *     npm run build
 *     unshare -rn node build/examples/blocklist-loader.js examples/blocklist.txt
 *
 * It changes the namespace given by NFTSET_NETNS (a path, an `ip netns`
 * name or a pid), else its own one. Expected output on the first run:
 *
 *     examples/blocklist.txt: added 9, removed 0; inet blocklist blocked contains 9 elements
 */
import { Nftables } from 'nftset'

const file = process.argv[2] ?? 'examples/blocklist.txt'
const blocked = { family: 'inet', table: 'blocklist', set: 'blocked' } as const

async function main(): Promise<void> {
  const nft = await Nftables.open({ netns: process.env.NFTSET_NETNS })
  try {
    // `add` of a table or set that exists with the same definition changes
    // nothing, so these two lines are safe on every run.
    await nft.createTable({ family: 'inet', name: 'blocklist' })
    await nft.createSet({
      family: 'inet',
      table: 'blocklist',
      name: 'blocked',
      type: 'ipv4_addr',
      flags: ['interval'],
    })

    // The connection reads the file itself. syncElements compares it with
    // the set and sends only the difference.
    const { added, removed } = await nft.syncElements(blocked, { file })

    // A range or prefix counts as one element.
    const count = await nft.countElements(blocked)
    console.log(`${file}: added ${added}, removed ${removed}; inet blocklist blocked contains ${count} elements`)
  } finally {
    nft.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
