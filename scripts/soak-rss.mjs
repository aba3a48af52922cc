// Runs a million calls on one connection, in cycles of adds, a listing and
// deletes, and checks that the process's resident memory stays within 5%
// of its size after the warm-up. Prints the figures and exits non-zero when
// memory grew more.
//
// Run as root or under `unshare -r`, in a network namespace of its own:
//   unshare -n node --expose-gc scripts/soak-rss.mjs [calls]
// It is not part of `npm test`: it takes about a minute on 2 cores.
import nftset from '../packages/nftset/dist/index.js'

const { Nftables } = nftset
const total = Number(process.argv[2] ?? 1_000_000)
const perCycle = 500
/** Calls in one cycle: `perCycle` adds, one listing, `perCycle` deletes. */
const callsPerCycle = 2 * perCycle + 1
const cycles = Math.ceil(total / callsPerCycle)
const warmUp = Math.ceil(cycles / 10)
const limit = 0.05

const ref = { family: 'inet', table: 't', set: 's' }
const address = (index) => `10.0.${index >> 8}.${index & 255}`

function sample() {
  globalThis.gc?.()
  const { rss, heapUsed, external } = process.memoryUsage()
  return { rss, heapUsed, external }
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

async function main() {
  const nft = await Nftables.open()
  await nft.createTable({ family: 'inet', name: 't' })
  await nft.createSet({ family: 'inet', table: 't', name: 's', type: 'ipv4_addr' })

  const started = Date.now()
  let calls = 0
  let baseline
  let peak = { rss: 0 }
  const samples = []
  for (let cycle = 0; cycle < cycles; cycle++) {
    for (let index = 0; index < perCycle; index++) {
      await nft.addElements(ref, [address(index)])
    }
    const listed = await nft.listElements(ref)
    if (listed.length !== perCycle) throw new Error(`cycle ${cycle}: listed ${listed.length} elements`)
    for (let index = 0; index < perCycle; index++) {
      await nft.deleteElements(ref, [address(index)])
    }
    calls += callsPerCycle
    if (cycle + 1 === warmUp) baseline = sample()
    if (cycle + 1 > warmUp && (cycle + 1) % 10 === 0) {
      const now = sample()
      samples.push(now.rss)
      if (now.rss > peak.rss) peak = now
    }
  }
  const end = sample()
  nft.close()

  const seconds = (Date.now() - started) / 1000
  const growth = (Math.max(peak.rss, end.rss) - baseline.rss) / baseline.rss
  console.log(`calls: ${calls} in ${cycles} cycles, ${seconds.toFixed(1)} s (${Math.round(calls / seconds)} calls/s)`)
  console.log(`rss after warm-up (${warmUp} cycles): ${mib(baseline.rss)}`)
  console.log(`rss peak after warm-up: ${mib(peak.rss)}, at the end: ${mib(end.rss)}`)
  console.log(`rss samples: min ${mib(Math.min(...samples))}, max ${mib(Math.max(...samples))}`)
  console.log(`heap used: ${mib(baseline.heapUsed)} -> ${mib(end.heapUsed)}; external: ${mib(baseline.external)} -> ${mib(end.external)}`)
  console.log(`growth: ${(growth * 100).toFixed(2)}% (limit ${limit * 100}%)`)
  if (growth > limit) {
    console.error('resident memory grew past the limit')
    process.exit(1)
  }
}

await main()
