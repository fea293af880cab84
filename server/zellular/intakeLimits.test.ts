import type { AddressInfo } from 'node:net'
import { beforeAll, describe, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { FRESHNESS_HEADER, FRESHNESS_MAC_HEADER, freshnessHeader } from './freshness.ts'
import { createNodeApp } from './routes.ts'
import { listenHttp } from '../listenHttp.ts'
import { PeerClient } from './peers.ts'
import { BATCH_FRAMING_BYTES } from './rateLimiter.ts'
import { putBatchFrom, requestFrom } from './testing.ts'
import { emptyLogPut, makeTestNode, syncedFollower } from './testNodes.ts'

beforeAll(() => initZellular())

async function follower(config: Parameters<typeof syncedFollower>[0]['config'] = {}) {
  const made = await syncedFollower({ position: 1, config })
  return { ...made, app: createNodeApp(made.node) }
}

/** A body of `totalBytes` produced lazily, counting what the server actually pulled. */
function lazyBody(totalBytes: number) {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
  let sent = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) return controller.close()
      sent += chunk.byteLength
      controller.enqueue(chunk)
    },
  })
  return { stream, sent: () => sent }
}

it('refuses a huge batch body while reading it, not after', async () => {
  const { node, app, close } = await follower()
  try {
    const body = lazyBody(64 * 1024 * 1024)
    const response = await app.request('/node/a/batches', {
      method: 'PUT',
      body: body.stream,
      headers: { 'Content-Type': 'text/plain' },
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(429)
    expect(response.headers.get('Retry-After')).toBe('1')
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'BatchSizeExceededError',
    )
    expect(body.sent()).toBeLessThan(1024 * 1024)
    expect(node.outbox.queued('a').length).toBe(0)
  } finally {
    close()
  }
})

it('refuses a huge signed node request by its announced size before reading it', async () => {
  const { node, app, ids, close } = await follower()
  try {
    const response = await app.request('/node/dispute', {
      method: 'POST',
      body: 'x'.repeat(1024 * 1024),
      headers: {
        Signer: ids[0]!,
        [FRESHNESS_HEADER]: freshnessHeader(Date.now(), node.id),
        [FRESHNESS_MAC_HEADER]: '00',
        'Content-Type': 'application/json',
      },
    })
    expect(response.status).toBe(429)
  } finally {
    close()
  }
})

it("caps a follower's queue per app and answers 429 with Retry-After once full", async () => {
  const { node, app, close } = await follower({ maxQueuedKbPerApp: 40, clientSharePercent: 100 })
  try {
    const put = () =>
      app.request('/node/a/batches', {
        method: 'PUT',
        body: 'z'.repeat(4 * 1024 - BATCH_FRAMING_BYTES), // costs 4 KB
        headers: { 'Content-Type': 'text/plain' },
      })
    for (let i = 0; i < 10; i++) expect((await put()).status).toBe(200)
    const refused = await put()
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('1')
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'BatchesLimitExceededError',
    )
    expect(node.outbox.queued('a').length).toBe(10)
    expect(node.outbox.queuedBytes('a')).toBe(40 * 1024)
  } finally {
    close()
  }
})

it('takes a bulk PUT whole or not at all: a 429 leaves nothing queued to be sent twice', async () => {
  const config = { maxQueuedKbPerApp: 8, clientSharePercent: 100 }
  const { node, app, close } = await follower(config)
  node.addApp('b')
  try {
    const bulk = (batches: Record<string, string[]>) =>
      app.request('/node/batches', {
        method: 'PUT',
        body: JSON.stringify(batches),
        headers: { 'Content-Type': 'application/json' },
      })
    const four = (tag: string) => tag.padEnd(4 * 1024 - BATCH_FRAMING_BYTES, 'z') // costs 4 KB
    // `b` would pass its queue's cap: the client retries the whole request, so `a` must wait.
    const refused = await bulk({ a: [four('a1')], b: [four('b1'), four('b2'), four('b3')] })
    expect(refused.status).toBe(429)
    expect(node.outbox.queued('a')).toEqual([])
    expect(node.outbox.queued('b')).toEqual([])
    expect((await bulk({ a: [four('a1')], b: [four('b1'), four('b2')] })).status).toBe(200)
    expect(node.outbox.queued('a')).toEqual([four('a1')])
    expect(node.outbox.queued('b')).toHaveLength(2)
  } finally {
    close()
  }
})

it('caps a bulk PUT body', async () => {
  const { node, app, close } = await follower({ maxRequestKb: 16 })
  try {
    const response = await app.request('/node/batches', {
      method: 'PUT',
      body: JSON.stringify({ a: Array.from({ length: 10 }, () => 'q'.repeat(2048)) }),
      headers: { 'Content-Type': 'application/json' },
    })
    expect(response.status).toBe(429)
    expect(node.outbox.queued('a').length).toBe(0)
  } finally {
    close()
  }
})

/** A batch that costs 4 KB, whose first character tells it apart. */
const batchOf = (tag: string) => tag + 'z'.repeat(4 * 1024 - BATCH_FRAMING_BYTES - tag.length)

/*
 * One client (an IP address; 127.0.0.1 and 127.0.0.2 are two over loopback) may not fill a
 * node's intake: it holds at most its share of a follower's queue, and of what the sequencer
 * takes itself, and a follower forwards its clients' batches in turn, not in arrival order.
 */
/**
 * 127.0.0.1 sends A1 and A2 (8 KB of a 10 KB share), then A3, refused; 127.0.0.2's B1 is taken.
 */
async function fillShareOf127001(url: string) {
  expect((await putBatchFrom('127.0.0.1', url, 'a', batchOf('A1'))).status).toBe(200)
  expect((await putBatchFrom('127.0.0.1', url, 'a', batchOf('A2'))).status).toBe(200)
  const over = await putBatchFrom('127.0.0.1', url, 'a', batchOf('A3'))
  expect(over).toEqual({ status: 429, retryAfter: '1', code: 'BatchesLimitExceededError' })
  expect((await putBatchFrom('127.0.0.2', url, 'a', batchOf('B1'))).status).toBe(200)
}

describe('one client among many', () => {
  it("holds at most its share of a follower's queue, and the clients are forwarded in turn", async () => {
    const { node, close } = await follower({ maxQueuedKbPerApp: 40, clientSharePercent: 25 })
    const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 0)
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      await fillShareOf127001(url)
      expect(node.outbox.queued('a').map((body) => body.slice(0, 2))).toEqual(['A1', 'B1', 'A2'])
      expect(node.outbox.take('a', 4).map((body) => body.slice(0, 2))).toEqual(['A1'])
      // Taking frees the client's share.
      expect((await putBatchFrom('127.0.0.1', url, 'a', batchOf('A3'))).status).toBe(200)
      expect(node.outbox.queued('a').map((body) => body.slice(0, 2))).toEqual(['B1', 'A2', 'A3'])
    } finally {
      server.close()
      close()
    }
  })

  it('takes itself, as the sequencer, at most its share of its intake budget a window', async () => {
    // 4 nodes, 4 posting: the sequencer takes 640 / 4 / 4 = 40 KB a window itself, a client 10.
    const config = { bandwidthKbPerWindow: 640, clientSharePercent: 25 }
    const sequencer = makeTestNode({ position: 0, config }).node
    const sequencerApp = createNodeApp(sequencer)
    const server = await listenHttp(sequencerApp.fetch, '127.0.0.1', 0)
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      await fillShareOf127001(url)
      expect(sequencer.logs.get('a').lastSequenced).toBe(3)

      // A bulk PUT is charged whole: over the share, nothing of it is sequenced.
      sequencer.addApp('b')
      const bulk = JSON.stringify({ b: [batchOf('B2')], a: [batchOf('B3'), batchOf('B4')] })
      const refused = await sequencerApp.request('/node/batches', {
        method: 'PUT',
        body: bulk,
        headers: { 'Content-Type': 'application/json' },
      })
      expect(refused.status).toBe(429)
      expect(sequencer.logs.get('b').lastSequenced).toBe(0)
    } finally {
      server.close()
      sequencer.close()
    }
  })
})

/*
 * A batch costs a node work whatever its size (a chain hash, a record, a place in every queue),
 * so an empty one may not be free: each costs a fixed least amount in every byte budget, and a
 * request holds at most `maxBatchesPerRequest` of them.
 */
describe('empty batches', () => {
  const bulkPut = (url: string, batches: Record<string, string[]>) =>
    requestFrom('127.0.0.1', url, 'PUT', '/node/batches', JSON.stringify(batches))

  it('a sequencer refuses a bulk PUT of a million empty batches and sequences none', async () => {
    const { node } = makeTestNode({ position: 0 })
    const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 21500)
    try {
      const refused = await bulkPut('http://127.0.0.1:21500', { a: Array<string>(1e6).fill('') })
      expect(refused).toMatchObject({ status: 429, code: 'BatchesLimitExceededError' })
      expect(node.logs.get('a').lastSequenced).toBe(0)
    } finally {
      server.close()
      node.close()
    }
  })

  it('a follower refuses a bulk PUT of more batches than a request may hold, and queues none', async () => {
    const config = { maxBatchesPerRequest: 100 }
    const { node, close } = await syncedFollower({ position: 1, config, sequencerPort: 21501 })
    const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 21502)
    const url = 'http://127.0.0.1:21502'
    try {
      const refused = await bulkPut(url, { a: Array<string>(101).fill('') })
      expect(refused).toMatchObject({ status: 429, code: 'BatchesLimitExceededError' })
      expect(node.outbox.queued('a')).toHaveLength(0)
      expect((await bulkPut(url, { a: Array<string>(100).fill('') })).status).toBe(200)
      expect(node.outbox.queued('a')).toHaveLength(100)
    } finally {
      server.close()
      close()
    }
  })

  it("a follower takes for one PUT no more than the sequencer's request cap reads", async () => {
    const config = { maxRequestKb: 256, clientSharePercent: 100 }
    const { node, close } = await syncedFollower({ position: 1, config, sequencerPort: 21503 })
    const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 21504)
    const url = 'http://127.0.0.1:21504'
    try {
      // 5 KB batches of control characters, six bytes each in JSON: eight fill a bulk PUT.
      const escaped = (n: number) => `${n}`.padEnd(5 * 1024, '\u0001')
      for (let put = 0; put < 10; put++) {
        const bodies = Array.from({ length: 8 }, (_, n) => escaped(put * 8 + n))
        expect((await bulkPut(url, { a: bodies })).status).toBe(200)
      }
      // Then as many empty batches as the queue takes, three bytes each in JSON.
      for (let put = 0; put < 10; put++) await bulkPut(url, { a: Array<string>(10_000).fill('') })
      const queued = node.outbox.queued('a').length
      let taken = 0
      for (let bodies = node.outbox.take('a', Infinity); bodies.length > 0;) {
        const request = {
          app_name: 'a',
          batches: bodies,
          sequenced_index: 1_000_000,
          sequenced_chaining_hash: 'f'.repeat(32),
          locked_index: 1_000_000,
          locked_chaining_hash: 'f'.repeat(32),
          finalized_index: 1_000_000,
          timestamp: 1_700_000_000,
          sign_wait_ms: 1_000,
          wait_ms: 6_000,
          beat_ms: 1_000,
        }
        expect(Buffer.byteLength(JSON.stringify(request))).toBeLessThanOrEqual(256 * 1024)
        taken += bodies.length
        bodies = node.outbox.take('a', Infinity)
      }
      expect(taken).toBe(queued)
      expect(queued).toBeGreaterThan(80)
    } finally {
      server.close()
      close()
    }
  })

  it('a sequencer refuses a PUT from a follower with more batches than a request may hold', async () => {
    const { node, ids, secrets } = makeTestNode({
      position: 0,
      config: { maxBatchesPerRequest: 100 },
    })
    const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 21505)
    const follower = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', node.context.network)
    const target = { id: node.id, socket: 'http://127.0.0.1:21505' }
    const put = (batches: string[]) =>
      follower.send('PUT', target, '/sequencer/batches', emptyLogPut(batches), 10_000)
    try {
      const refused = await put(Array<string>(101).fill(''))
      expect(refused).toMatchObject({
        status: 429,
        body: { error: { code: 'BatchesLimitExceededError' } },
      })
      expect(node.logs.get('a').lastSequenced).toBe(0)
      expect((await put(Array<string>(100).fill(''))).status).toBe(200)
      expect(node.logs.get('a').lastSequenced).toBe(100)
    } finally {
      server.close()
      node.close()
    }
  })
})
