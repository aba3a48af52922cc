// Deterministic inputs: the same seed and workload id always give the same
// element file and nft scripts, so every tool loads identical elements.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Returns a generator of uniformly distributed 32-bit integers: a Weyl
 * sequence passed through the murmur3 finaliser. The finaliser is a
 * bijection, so the first 2^32 outputs never repeat.
 */
export function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes the workload id into the seed (FNV-1a over its characters). */
function workloadSeed(seed, id) {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of id) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  }
  return hash >>> 0;
}

function formatIpv4(value) {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Collects `count` distinct values from `next`, in generation order. */
function distinct(count, next) {
  const seen = new Set();
  while (seen.size < count) {
    seen.add(next());
  }
  return [...seen];
}

/** Generates the element strings of a workload: addresses, or /24 prefixes. */
export function generateElements(workload, seed) {
  const random = createRandom(workloadSeed(seed, workload.id));
  const { family, setType, count } = workload;

  if (family === 'ipv4' && setType === 'interval') {
    // 255.255.255.0/24 would run to the last address and need no end
    // element, which would make the expected element counts differ.
    const prefixes = distinct(count, () => (random() >>> 8) % 0xffffff);
    return prefixes.map((prefix) => `${formatIpv4(prefix << 8 >>> 0)}/24`);
  }
  if (family === 'ipv4') {
    return distinct(count, random).map(formatIpv4);
  }
  if (family === 'ipv6' && setType === 'hash') {
    return distinct(count, () => {
      const groups = [];
      for (let i = 0; i < 4; i++) {
        const word = random();
        groups.push((word >>> 16).toString(16), (word & 0xffff).toString(16));
      }
      return groups.join(':');
    });
  }
  throw new Error(`no generator for ${family} ${setType} sets`);
}

/** Returns the nft statements that create table inet t and set s. */
export function setDefinition(workload) {
  const type = workload.family === 'ipv4' ? 'ipv4_addr' : 'ipv6_addr';
  const flags = workload.setType === 'interval' ? ' flags interval;' : '';
  return ['add table inet t', `add set inet t s { type ${type};${flags} }`];
}

/**
 * Writes the inputs of one workload into `dir`:
 *   elements     one element a line, read by gonft, nftfloor and nftset
 *   nftScript    set definition plus `add element` statements of `nftChunk`
 *                elements each, for nft -f (one file, one transaction)
 *   setupScript  set definition only, for the round-trip workload
 */
export function writeInputs(workload, { seed, dir, nftChunk }) {
  const elements = generateElements(workload, seed);
  const base = path.join(dir, workload.id);

  const files = {
    elements: `${base}.txt`,
    nftScript: `${base}.nft`,
    setupScript: `${base}.setup.nft`,
    count: elements.length,
  };

  writeFileSync(files.elements, `${elements.join('\n')}\n`);

  const statements = setDefinition(workload);
  writeFileSync(files.setupScript, `${statements.join('\n')}\n`);
  for (let i = 0; i < elements.length; i += nftChunk) {
    const chunk = elements.slice(i, i + nftChunk).join(', ');
    statements.push(`add element inet t s { ${chunk} }`);
  }
  writeFileSync(files.nftScript, `${statements.join('\n')}\n`);

  return files;
}
