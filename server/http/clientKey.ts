import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'

/**
 * The client a request comes from, as limits count it: the socket's peer under
 * @hono/node-server (`clientKey`). Forwarding headers are not trusted (any client can send
 * them); behind a reverse proxy every client shares the proxy's address, so such a deployment
 * needs the proxy to limit instead. Requests that come without a socket (`app.request` in
 * tests) share the key `local`.
 */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  return clientKey(incoming?.socket.remoteAddress)
}

/**
 * The key of a peer address: an IPv4 address as it is (also when a dual-stack socket gives it
 * IPv4-mapped, `::ffff:a.b.c.d`); an IPv6 address by its /64 prefix, the least block a network
 * hands one subscriber, since whoever holds one can send from any of its 2^64 addresses and would
 * otherwise get a fresh allowance from each.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return 'local'
  const bare = address.split('%')[0]!.toLowerCase()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(bare)
  if (mapped !== null) return mapped[1]!
  if (!bare.includes(':')) return bare
  const [head = '', tail] = bare.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = Array.from({ length: 8 - headGroups.length - tailGroups.length }, () => '0')
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups]
  const prefix = groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16))
  return `${prefix.join(':')}::/64`
}
