import { spawnSync } from 'node:child_process'

import type { TestNetns } from './netns.js'

/**
 * Sends one UDP datagram with a 1-byte payload (29 bytes of IPv4 packet)
 * to port 9 of `address`, from inside the namespace. The loopback device
 * is brought up and `route` is routed over it, so the packet passes the
 * output hook without leaving the namespace.
 */
export function sendUdpOverLoopback(ns: TestNetns, route: string, address: string): void {
  const script = [
    'ip link set lo up',
    `ip route replace ${route} dev lo`,
    `printf x > /dev/udp/${address}/9`,
  ].join(' && ')
  const result = spawnSync('nsenter', [`--net=${ns.path}`, 'bash', '-c', script], { encoding: 'utf8' })
  if (result.error) {
    throw result.error
  }
  if (result.status !== 0) {
    throw new Error(`sending a datagram to ${address} failed (${result.status}): ${result.stderr}`)
  }
}
