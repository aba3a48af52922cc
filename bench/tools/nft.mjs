// nft, the nftables command-line tool. Loads are one `nft -f` of a script that
// defines the set and adds the elements in `add element` statements of
// --nft-chunk elements each; nft sends the whole file as one transaction.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export default {
  name: 'nft',
  label: 'nft',

  // One nft process per element costs milliseconds, so round trips are
  // measured on a smaller count than the other tools use.
  roundTripLimit: 200,
  roundTripLabel: 'one `nft add element` process each',

  setup() {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  },

  load(workload, inputs) {
    return { argv: ['nft', '-f', inputs.nftScript] };
  },

  // nft formats the whole set as text; the output goes to /dev/null.
  list() {
    return { argv: ['nft', 'list', 'set', 'inet', 't', 's'], stdout: 'discard' };
  },

  roundTrips(count, inputs) {
    const elements = readFileSync(inputs.elements, 'utf8').split('\n').slice(0, count);
    return {
      argvEach: elements.map((element) => [
        'nft',
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
