/**
 * Bans an address for a few seconds, as fail2ban does after repeated
 * login failures, and watches the kernel expire the ban.
 *
 * The set has `flags timeout`, and each element carries its own timeout
 * and a comment saying why it was banned. The kernel drops expired
 * elements by itself, so nothing has to remember to unban.
 *
 *     npm run build
 *     unshare -rn node build/examples/ban-timeout.js
 *
 * It changes the namespace given by NFTSET_NETNS (a path, an `ip netns`
 * name or a pid), else its own one. A rule such as
 * `ip saddr @banned drop` in a base chain would make the ban block
 * traffic; rules are nft's job.
 */
import { setTimeout as sleep } from 'node:timers/promises'

import { Nftables, NftsetError } from 'nftset'

const banned = { family: 'inet', table: 'fail2ban', set: 'banned' } as const
const BAN_MS = 2000

/** Returns whether `address` is in the set; a missing key fails with `ENOENT`. */
async function isBanned(nft: Nftables, address: string): Promise<boolean> {
  try {
    await nft.getElements(banned, [address])
    return true
  } catch (error) {
    if (error instanceof NftsetError && error.code === 'ENOENT') return false
    throw error
  }
}

async function main(): Promise<void> {
  const nft = await Nftables.open({ netns: process.env.NFTSET_NETNS })
  try {
    await nft.createTable({ family: 'inet', name: 'fail2ban' })
    await nft.createSet({ family: 'inet', table: 'fail2ban', name: 'banned', type: 'ipv4_addr', flags: ['timeout'] })

    // The ban: nft's `add element inet fail2ban banned { 192.0.2.10 timeout 2s comment "..." }`.
    await nft.addElements(banned, [{ key: '192.0.2.10', timeout: BAN_MS, comment: 'sshd: 5 failed logins' }])

    for (const element of await nft.listElements(banned)) {
      console.log(`banned ${element.key} for ${element.timeout} ms (${element.comment}), ${element.expires} ms left`)
    }
    console.log(`192.0.2.10 banned: ${await isBanned(nft, '192.0.2.10')}`)

    // Wait a little longer than the timeout, then look again.
    await sleep(BAN_MS + 500)
    console.log(`after ${BAN_MS + 500} ms: 192.0.2.10 banned: ${await isBanned(nft, '192.0.2.10')}`)
    console.log(`elements left: ${(await nft.listElements(banned)).length}`)
  } finally {
    nft.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
