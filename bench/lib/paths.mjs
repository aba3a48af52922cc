// Locations inside bench/. Binaries go to bench/bin/, which git ignores.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(BENCH_DIR);
export const BIN_DIR = path.join(BENCH_DIR, 'bin');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
export const TOOLS_DIR = path.join(BENCH_DIR, 'tools');

export const FLOOR_BIN = path.join(BIN_DIR, 'nftfloor');
export const GONFT_BIN = path.join(BIN_DIR, 'gonft');
export const BENCHTIME_BIN = path.join(BIN_DIR, 'benchtime');

// The nftables command by absolute path: `npm run` puts node_modules/.bin
// first in PATH, and ava's dependency @vercel/nft installs an unrelated
// command named nft there. NFT_BIN overrides the search.
export const NFT_BIN =
  process.env.NFT_BIN ?? ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((file) => existsSync(file)) ?? 'nft';
