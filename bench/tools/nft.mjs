// nft, the nftables command-line tool. Loads are one `nft -f` of a script that
// defines the set and adds the elements in `add element` statements of
// --nft-chunk elements each; nft sends the whole file as one transaction.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { NFT_BIN } from '../lib/paths.mjs';

export default {
  name: 'nft',
  label: 'nft',

  // One nft process per element costs milliseconds, so round trips are
  // measured on a smaller count than the other tools use.
  roundTripLimit: 200,
  roundTripLabel: 'one `nft add element` process each',

  setup() {
    const version = execFileSync(NFT_BIN, ['--version'], { encoding: 'utf8' });
    if (!version.startsWith('nftables')) {
      throw new Error(`${NFT_BIN} --version printed "${version.trim()}", not nftables. Set NFT_BIN to the path of nft.`);
    }
  },

  load(workload, inputs) {
    return { argv: [NFT_BIN, '-f', inputs.nftScript] };
  },

  // nft formats the whole set as text; the output goes to /dev/null.
  list() {
    return { argv: [NFT_BIN, 'list', 'set', 'inet', 't', 's'], stdout: 'discard' };
  },

  roundTrips(count, inputs) {
    const elements = readFileSync(inputs.elements, 'utf8').split('\n').slice(0, count);
    return {
      argvEach: elements.map((element) => [
        NFT_BIN,
        'add',
        'element',
        'inet',
        't',
        's',
        `{ ${element} }`,
      ]),
    };
  },
};
