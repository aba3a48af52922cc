/**
 * The two snippets of the original Python wrapper over libnftnl, add an
 * element with `elem_put` and remove it with `elem_del`, written line by
 * line with nftset's low-level API.
 *
 * It changes the ruleset of the network namespace it runs in, so run it
 * in a throwaway one, as root:
 *
 *     npm run build
 *     unshare -n node build/examples/seed-style.js
 *
 * Expected output: `success true` after the add and after the delete.
 */
import { Batch, Element, handle, MNL_SOCKET_BUFFER_SIZE, NetlinkSocket, NFPROTO_IPV4, Nftables, Set } from 'nftset'

/** The raw key of 192.0.2.1: an ipv4_addr key is the address in network byte order. */
const ELEMENT_KEY = Buffer.from([192, 0, 2, 1])

// Setup with the high-level API: the Python snippets expect
// `table ip table_name { set set_name { type ipv4_addr; } }` to exist.

async function createTableAndSet(): Promise<void> {
  const nft = await Nftables.open()
  try {
    await nft.createTable({ family: 'ip', name: 'table_name' })
    await nft.createSet({ family: 'ip', table: 'table_name', name: 'set_name', type: 'ipv4_addr' })
  } finally {
    nft.close()
  }
}

// The Python snippets. `put` selects `elem_put` (add) or `elem_del`
// (delete); everything else is the same in both.

async function runSnippet(put: boolean): Promise<void> {
  // Prepare family

  const nfFamily = NFPROTO_IPV4

  // Prepare set

  const nfSet = new Set()
  nfSet.table = 'table_name'
  nfSet.name = 'set_name'

  // Prepare element

  const nfElem = new Element()

  // The key is the bytes the kernel stores: here an IPv4 address in
  // network byte order. A map element would also set `nfElem.data`; this
  // set is not a map, and the kernel rejects data on it with EINVAL.

  nfElem.key = ELEMENT_KEY

  // Add element to set

  nfSet.add(nfElem)

  // Construct the request

  const nfBatch = new Batch()
  nfBatch.begin()
  if (put) {
    nfBatch.elemPut(nfSet, nfFamily, true)
  } else {
    nfBatch.elemDel(nfSet, nfFamily, true)
  }
  nfBatch.end()

  // Serialize the request

  const request = nfBatch.dump()

  // Prepare netlink socket: opened and bound to a port id the kernel
  // assigns (MNL_SOCKET_AUTOPID), which `portid` returns.

  const sock = await NetlinkSocket.open()
  const pid = sock.portid

  // Send the request

  await sock.send(request)

  // Perform receive loop

  let response = await sock.recv(MNL_SOCKET_BUFFER_SIZE)
  let status = response.length
  while (0 < status) {
    status = handle(response, 0, pid)
    if (0 < status) {
      response = await sock.recv(MNL_SOCKET_BUFFER_SIZE)
      status = response.length
      continue
    }
    break
  }
  sock.close()

  const success = status >= 0
  console.log('success', success)
}

async function main(): Promise<void> {
  await createTableAndSet()
  await runSnippet(true)
  await runSnippet(false)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
