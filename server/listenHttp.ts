import { serve, type ServerType } from '@hono/node-server'
import type { Server } from 'node:http'

/**
 * How long an idle keep-alive connection stays open. Node's default (5 s) is shorter than the
 * time a replica takes to come back to a node (it moves to the next node after each long-poll
 * that brought nothing, so it returns to one every few seconds per node): each return was a new
 * TCP connection, which was most of an idle replica's CPU.
 */
const KEEP_ALIVE_MS = 15_000

/** Serves `fetch` over HTTP on `hostname:port`; resolves once listening, rejects on an error. */
export function listenHttp(
  fetch: Parameters<typeof serve>[0]['fetch'],
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server))
    // Plain HTTP/1.1 here (`serve` without `createServer`): a node:http Server.
    ;(server as Server).keepAliveTimeout = KEEP_ALIVE_MS
    server.once('error', reject)
  })
}
