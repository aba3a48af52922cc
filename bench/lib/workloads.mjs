// The benchmark workloads. `count` is the full size, `smokeCount` the size
// used by --smoke, and `{count}` in a title stands for the chosen size.
// Every workload works on table inet t, set s.
//
// Kinds of workload:
//   load          The tool creates the table and set and adds all elements
//                 in one transaction (timed).
//   list          nft -f loads the set beforehand (untimed), then the tool
//                 lists it (timed).
//   roundTrips    An empty set is created beforehand. The tool adds elements
//                 one transaction at a time and reports each latency.
//   eventLoopLag  A load inside a Node.js process while the event loop is
//                 sampled. Only in-process JavaScript tools implement it.

export const WORKLOADS = [
  {
    id: 'ipv4-hash-10k',
    kind: 'load',
    family: 'ipv4',
    setType: 'hash',
    count: 10_000,
    smokeCount: 100,
    title: '{count} IPv4 addresses, hash set',
  },
  {
    id: 'ipv4-hash-100k',
    kind: 'load',
    family: 'ipv4',
    setType: 'hash',
    count: 100_000,
    smokeCount: 300,
    title: '{count} IPv4 addresses, hash set',
  },
  {
    id: 'ipv4-hash-1m',
    kind: 'load',
    family: 'ipv4',
    setType: 'hash',
    count: 1_000_000,
    smokeCount: 1_000,
    title: '{count} IPv4 addresses, hash set',
  },
  {
    id: 'ipv4-interval-100k',
    kind: 'load',
    family: 'ipv4',
    setType: 'interval',
    count: 100_000,
    smokeCount: 300,
    title: '{count} IPv4 /24 prefixes, interval set',
  },
  {
    id: 'ipv6-hash-100k',
    kind: 'load',
    family: 'ipv6',
    setType: 'hash',
    count: 100_000,
    smokeCount: 300,
    title: '{count} IPv6 addresses, hash set',
  },
  {
    id: 'ipv4-list-1m',
    kind: 'list',
    family: 'ipv4',
    setType: 'hash',
    count: 1_000_000,
    smokeCount: 1_000,
    title: 'list a {count}-element IPv4 hash set',
  },
  {
    id: 'ipv4-roundtrip',
    kind: 'roundTrips',
    family: 'ipv4',
    setType: 'hash',
    count: 2_000,
    smokeCount: 20,
    title: '{count} one-element add round trips',
  },
  {
    id: 'ipv4-lag-1m',
    kind: 'eventLoopLag',
    family: 'ipv4',
    setType: 'hash',
    count: 1_000_000,
    smokeCount: 1_000,
    title: 'event-loop lag while loading {count} IPv4 addresses',
  },
];

/** Formats an element count the way the titles use it: 10k, 1M, 300. */
export function formatCount(count) {
  if (count >= 1e6 && count % 1e6 === 0) return `${count / 1e6}M`;
  if (count >= 1e3 && count % 1e3 === 0) return `${count / 1e3}k`;
  return String(count);
}

/** Returns the workloads with `count` and `title` set for the chosen mode. */
export function selectWorkloads({ smoke, ids }) {
  const unknown = ids?.filter((id) => !WORKLOADS.some((w) => w.id === id)) ?? [];
  if (unknown.length > 0) {
    const known = WORKLOADS.map((w) => w.id).join(', ');
    throw new Error(`unknown workload ${unknown.join(', ')}; known workloads: ${known}`);
  }
  return WORKLOADS.filter((w) => !ids || ids.includes(w.id)).map((w) => {
    const count = smoke ? w.smokeCount : w.count;
    return { ...w, count, title: w.title.replace('{count}', formatCount(count)) };
  });
}
