/**
 * Test support: every test gets a network namespace of its own, held open
 * by a `sleep` process, and runs nft inside it as the oracle.
 *
 * The namespace is created with `unshare -n`, which needs CAP_SYS_ADMIN:
 * `npm test` runs as root or re-runs itself inside a user namespace made
 * with `unshare -r`. The host's own ruleset is never touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'

import { Nftables } from 'nftset'

/**
 * The nft binary. It is looked up in the system directories because npm
 * puts node_modules/.bin first in PATH, and a dependency of ava installs an
 * unrelated `nft` command there.
 */
export const NFT = process.env.NFT_BIN ?? ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find(existsSync) ?? 'nft'

/**
 * True when the tests run inside a user namespace, as `npm test` runs them
 * for a user other than root. There, `ip netns add` cannot mount
 * /run/netns, and the socket buffers stay capped by net.core.wmem_max and
 * rmem_max, because raising them past the cap needs CAP_NET_ADMIN in the
 * initial user namespace.
 */
export function inUserNamespace(): boolean {
  // Only the initial user namespace maps the whole range of user ids.
  const map = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/)
  return map.join(' ') !== '0 0 4294967295'
}

/** A throwaway network namespace. */
export class TestNetns {
  readonly path: string
  readonly #holder: ChildProcess

  private constructor(holder: ChildProcess) {
    this.#holder = holder
    this.path = `/proc/${holder.pid}/ns/net`
  }

  /** Creates a namespace and waits until its holder process is inside it. */
  static async create(): Promise<TestNetns> {
    const holder = spawn('unshare', ['-n', '--', 'sh', '-c', 'echo ready; exec sleep 100000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const [chunk] = (await Promise.race([
      once(holder.stdout!, 'data'),
      once(holder, 'exit').then(([code]) => {
        throw new Error(`unshare -n failed with exit code ${code}: run the tests as root or through npm test`)
      }),
    ])) as [Buffer]
    if (!chunk.toString().startsWith('ready')) {
      throw new Error(`unexpected output from the namespace holder: ${chunk}`)
    }
    return new TestNetns(holder)
  }

  /** Opens an nftset connection inside the namespace. */
  open(): Promise<Nftables> {
    return Nftables.open({ netns: this.path })
  }

  /** Runs nft with `args` in the namespace; throws with nft's stderr when it fails. */
  nft(...args: string[]): string {
    const result = this.nftResult(args)
    if (result.status !== 0) {
      throw new Error(`nft ${args.join(' ')} failed (${result.status}): ${result.stderr}`)
    }
    return result.stdout
  }

  /** Runs nft with `args` in the namespace and returns its status and output. */
  nftResult(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync('nsenter', [`--net=${this.path}`, NFT, ...args], {
      encoding: 'utf8',
      input,
      maxBuffer: 1 << 30,
    })
    if (result.error) throw result.error
    return { status: result.status, stdout: result.stdout, stderr: result.stderr }
  }

  /** Feeds a script to `nft -f -` in the namespace as one transaction. */
  nftScript(script: string): void {
    const result = this.nftResult(['-f', '-'], script)
    if (result.status !== 0) {
      throw new Error(`nft -f failed (${result.status}): ${result.stderr}\n${script}`)
    }
  }

  /** `nft -j list ruleset`, parsed. */
  ruleset(): unknown[] {
    return (JSON.parse(this.nft('-j', 'list', 'ruleset')) as { nftables: unknown[] }).nftables
  }

  /** The `elem` array of `nft -j list set`, or `[]` when the set is empty. */
  elems(family: string, table: string, set: string, kind: 'set' | 'map' = 'set'): unknown[] {
    const parsed = JSON.parse(this.nft('-j', 'list', kind, family, table, set)) as {
      nftables: Array<Record<string, { elem?: unknown[] }>>
    }
    const entry = parsed.nftables.find((item) => item[kind] !== undefined)
    return entry?.[kind].elem ?? []
  }

  /** Ends the holder process; the kernel frees the namespace with it. */
  async destroy(): Promise<void> {
    if (this.#holder.exitCode === null) {
      this.#holder.kill('SIGKILL')
      await once(this.#holder, 'exit')
    }
  }
}

/**
 * Runs `body` with a fresh namespace and an open connection inside it, and
 * cleans both up afterwards.
 */
export async function withNetns<T>(body: (ns: TestNetns, nft: Nftables) => Promise<T>): Promise<T> {
  const ns = await TestNetns.create()
  const nft = await ns.open()
  try {
    return await body(ns, nft)
  } finally {
    nft.close()
    await ns.destroy()
  }
}
