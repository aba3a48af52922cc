/**
 * Routes incoming TCP connections by destination port with a verdict map:
 * port 80 and 443 jump to chain `web`, port 22 goes to chain `ssh`, and
 * port 23 is dropped. Changing where a port goes is one map update, with
 * no rule rewritten.
 *
 * nftset creates the table, the regular chains and the map. The base
 * chain and the rule that looks the map up are nft's job: this example
 * runs nft for them when it is installed, and prints the commands
 * otherwise.
 *
 *     npm run build
 *     unshare -rn node build/examples/port-router.js
 *
 * It changes the namespace given by NFTSET_NETNS (a path, an `ip netns`
 * name or a pid), else its own one.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

import { Nftables } from 'nftset'

const ports = { family: 'inet', table: 'router', set: 'ports' } as const

/** The rules that hook the map into the input path, in `nft -f` syntax. */
const HOOK = `
add chain inet router input { type filter hook input priority 0; policy accept; }
add rule inet router input tcp dport vmap @ports
`

async function main(): Promise<void> {
  const netns = process.env.NFTSET_NETNS
  const nft = await Nftables.open({ netns })
  try {
    // A jump or goto must name an existing regular chain, so the chains
    // come first. Their rules, such as rate limits, are nft's job too.
    await nft.transaction((tx) => {
      tx.createTable({ family: 'inet', name: 'router' })
      tx.createChain({ family: 'inet', table: 'router', name: 'web' })
      tx.createChain({ family: 'inet', table: 'router', name: 'ssh' })
      tx.createSet({ family: 'inet', table: 'router', name: 'ports', type: 'inet_service', map: 'verdict' })
      tx.addElements(ports, ['80 : jump web', '443 : jump web', '22 : goto ssh', '23 : drop'])
    })

    // Move port 8080 to the web chain and stop dropping telnet: one batch.
    await nft.updateElements(ports, ['8080 : jump web', '23 : accept'])

    // A hash map lists in no particular order, so sort by port.
    const routes = (await nft.listElements(ports)).sort((a, b) => Number(a.key) - Number(b.key))
    for (const { key, value } of routes) {
      console.log(`tcp dport ${key} -> ${value}`)
    }
  } finally {
    nft.close()
  }

  hookMap(netns)
}

/** Runs the hook rules with nft in the same namespace, or prints them. */
function hookMap(netns: string | undefined): void {
  // npm puts node_modules/.bin first in PATH, where an unrelated `nft` may
  // live, so nft is looked up in the system directories.
  const nftBinary = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find(existsSync)
  if (nftBinary === undefined) {
    console.log(`nft is not installed; hook the map with nft -f:${HOOK}`)
    return
  }

  // nft has no namespace option, so it runs under nsenter.
  const command = netns === undefined ? [nftBinary] : ['nsenter', `--net=${netnsFile(netns)}`, nftBinary]
  const result = spawnSync(command[0], [...command.slice(1), '-f', '-'], { input: HOOK, encoding: 'utf8' })
  if (result.error) throw result.error
  if (result.status !== 0) {
    throw new Error(`nft -f failed with status ${result.status}: ${result.stderr}`)
  }
  console.log('hooked with nft: tcp dport vmap @ports in chain inet router input')
}

/** Turns a namespace as `Nftables.open()` takes it into the file nsenter takes. */
function netnsFile(netns: string): string {
  if (/^\d+$/.test(netns)) return `/proc/${netns}/ns/net`
  return netns.includes('/') ? netns : `/run/netns/${netns}`
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
