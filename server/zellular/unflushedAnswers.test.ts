import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { listenHttp } from '../listenHttp.ts'
import { createNodeApp } from './routes.ts'
import { requestFrom } from './testing.ts'
import { syncedFollower } from './testNodes.ts'

// A page answer can be as large as the node's page cap (25 MB in the local network). A client
// that asks for pages and never reads them would make the node hold each whole in memory: a
// node keeps at most 4 answers per client address that it has not yet handed to the network,
// and refuses more from that address (429) until they drain.

beforeAll(() => initZellular())

const sockets: Socket[] = []
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy()
})

/** Asks `path` from `from` over a raw connection that never reads; resolves once it is sent. */
function askWithoutReading(from: string, port: number, path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from }, () => {
      socket.pause()
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, () => resolve(socket))
    })
    socket.on('error', reject)
    sockets.push(socket)
  })
}

it('keeps at most 4 unread page answers per client address; others are served', async () => {
  // 4 nodes: a 128 MB window gives a 32 MB page cap; 32 MB of batches make one page that
  // far outgrows what the kernel buffers for an unread loopback connection.
  const config = { bandwidthKbPerWindow: 4 * 32 * 1024 }
  const { node, close } = await syncedFollower({ position: 1, config })
  const log = node.logs.get('a')
  for (let i = 0; i < (32 * 1024) / 5; i++) log.append([`${i}`.padEnd(5 * 1024 - 10, 'p')])
  const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 0)
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}`
  const path = '/node/a/batches/sequenced?after=0'
  const emptyPage = '/node/a/batches/sequenced?after=1000000'
  try {
    for (let n = 0; n < 4; n++) await askWithoutReading('127.0.0.2', port, path)
    // Let the node answer all four (each stays unread).
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const refused = await requestFrom('127.0.0.2', url, 'GET', path)
    expect(refused).toMatchObject({ status: 429, code: 'BatchesLimitExceededError' })
    expect(refused.retryAfter).toBe('1')
    expect((await requestFrom('127.0.0.1', url, 'GET', emptyPage)).status).toBe(200)
    // The reader goes away: its answers are dropped and its place is free again.
    for (const socket of sockets.splice(0)) socket.destroy()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await requestFrom('127.0.0.2', url, 'GET', emptyPage)).status).toBe(200)
  } finally {
    server.close()
    close()
  }
}, 30_000)
