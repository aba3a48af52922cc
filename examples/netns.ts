/**
 * Manages a set inside another network namespace, as a container or VPN
 * agent does, and shows that the host's namespace is left alone.
 *
 * The example creates the namespace itself: `unshare -n` starts a process
 * in a new namespace, and the connection enters it by that process's pid.
 * The namespace disappears when the process ends. Entering a namespace
 * needs CAP_SYS_ADMIN, so run it as root, or unprivileged in a user
 * namespace:
 *
 *     npm run build
 *     unshare -rn node build/examples/netns.js
 *
 * The host namespace is the one given by NFTSET_NETNS (a path, an
 * `ip netns` name or a pid), else the example's own one. It is only read.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

import { Nftables } from 'nftset'

const allowed = { family: 'inet', table: 'agent', set: 'allowed' } as const

async function main(): Promise<void> {
  const host = await Nftables.open({ netns: process.env.NFTSET_NETNS })
  try {
    // Every committed change in a namespace increments its generation, so
    // an unchanged generation proves that nothing was written there.
    const generationBefore = await host.generation()

    const holder = await startNamespace()
    try {
      await fillNamespace(holder.pid!)
    } finally {
      holder.kill()
    }

    const generationAfter = await host.generation()
    const hostSets = await host.listSets()
    console.log(`host: generation ${generationBefore} before, ${generationAfter} after; ${hostSets.length} sets`)
  } finally {
    host.close()
  }
}

/**
 * Starts a process in a new network namespace and waits until it is
 * inside. Before `unshare` has run, /proc/PID/ns/net is still the host's
 * namespace, so the process prints a line once it is in the new one.
 */
async function startNamespace(): Promise<ChildProcess> {
  const holder = spawn('unshare', ['-n', '--', 'sh', '-c', 'echo ready; exec sleep infinity'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let ready = false
  const exited = once(holder, 'exit').then(([code]) => {
    if (!ready) throw new Error(`unshare -n failed with exit code ${code}: run as root or under unshare -r`)
  })
  await Promise.race([once(holder.stdout!, 'data'), exited])
  ready = true
  return holder
}

/** Creates a set inside the namespace of process `pid` and lists it. */
async function fillNamespace(pid: number): Promise<void> {
  // `netns` also takes a path such as /run/netns/blue, or the name that
  // `ip netns add blue` gave a namespace.
  const nft = await Nftables.open({ netns: pid })
  try {
    await nft.createTable({ family: 'inet', name: 'agent' })
    await nft.createSet({ family: 'inet', table: 'agent', name: 'allowed', type: 'ipv4_addr', flags: ['interval'] })
    await nft.addElements(allowed, ['192.0.2.0/28', '198.51.100.7'])

    const keys = (await nft.listElements(allowed)).map((element) => element.key)
    console.log(`namespace of pid ${pid}: inet agent allowed contains ${keys.join(', ')}`)
  } finally {
    nft.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
