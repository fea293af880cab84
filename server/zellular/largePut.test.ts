import { request } from 'node:http'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { chainHash, initZellular, xxh128Length } from '../../shared/zellular/index.ts'
import { listenHttp } from '../listenHttp.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import { emptyLogPut, makeTestNode } from './testNodes.ts'

// A follower's PUT at the caps (10,000 batches, 8 MB) is read, MAC'd, parsed and sequenced by
// the sequencer. Hashing its bodies in the turn that sequences them held the event loop for
// the whole hashing (~8 MB of xxh128): no reads, timers or other answers meanwhile.

beforeAll(() => initZellular())
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** `body` PUT to `url` with `headers`; resolves with the status once the answer is read. */
function put(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const headersWithLength = { ...headers, 'Content-Length': String(body.length) }
    const options = { method: 'PUT', headers: headersWithLength }
    const sent = request(url, options, (response) => {
      response.on('data', () => {})
      response.on('end', () => resolve(response.statusCode!))
      response.on('error', reject)
    })
    sent.on('error', reject)
    sent.end(body)
  })
}

it("the sequencer hashes a follower's PUT at the caps over several turns of the event loop", async () => {
  const bandwidthKbPerWindow = 1_000_000 // a budget that takes the whole PUT
  const { node, ids, secrets } = makeTestNode({ position: 0, config: { bandwidthKbPerWindow } })
  const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 25_010)
  cleanups.push(
    () => server.close(),
    () => node.close(),
  )
  const follower = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', node.context.network)
  const { maxBatchesPerRequest } = node.context.config
  const batches = Array.from({ length: maxBatchesPerRequest }, (_, n) =>
    JSON.stringify({ n, pad: 'x'.repeat(780) }),
  )
  const text = JSON.stringify(emptyLogPut(batches))
  expect(text.length).toBeLessThanOrEqual(node.context.config.maxRequestKb * 1024)
  const headers = follower.signedHeaders('PUT', node.id, '/sequencer/batches', text)

  // The characters hashed between two turns of the event loop, the most of them.
  let most = 0
  let last = xxh128Length()
  let answered = false
  const turn = () => {
    most = Math.max(most, xxh128Length() - last)
    last = xxh128Length()
    if (!answered) setImmediate(turn)
  }
  setImmediate(turn)
  const status = await put('http://127.0.0.1:25010/sequencer/batches', headers, Buffer.from(text))
  answered = true
  const mostInOneTurn = most

  expect(status).toBe(200)
  const log = node.logs.get('a')
  expect(log.lastSequenced).toBe(batches.length)
  expect(log.chainingHashAt(batches.length)).toBe(batches.reduce(chainHash, ''))
  const bodyChars = batches.reduce((sum, body) => sum + body.length, 0)
  expect(mostInOneTurn).toBeLessThan(bodyChars / 2)
})
