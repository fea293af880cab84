import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../../shared/api/index.ts'
import { signIntent } from '../../../shared/exchange/testing.ts'
import type { Replica } from '../replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
  serveOnLoopback,
  testTokens,
  waitFor,
} from '../testing.ts'

/*
 * The SSE route holds a bounded number of streams, each with a bounded queue: a replica's memory
 * and its apply thread's fan-out work do not grow with the number or the slowness of clients.
 */

let sequencer: InMemorySequencer
let replica: Replica
let running: Promise<void>
let nonce = 0

beforeAll(async () => {
  sequencer = new InMemorySequencer()
  replica = await createTestReplica({
    sequencer,
    parameters: { eventSubscribersMax: 2, eventQueueMax: 10 },
  })
  running = replica.start()
})
afterAll(async () => {
  await replica.stop()
  await running
})

/** Applies a batch of `count` transfers: `count` receipts, 2 balances and 1 applied event. */
async function applyTransfers(count: number): Promise<void> {
  const intents = Array.from({ length: count }, () =>
    signIntent(alice, testTokens, {
      action: 'transfer',
      nonce: String(++nonce),
      to: bob.address,
      token: 'USDT',
      amount: '1',
    }),
  )
  sequencer.append(JSON.stringify(intents))
  await waitFor(() => replica.state.position.index === sequencer.bodies.length)
}

/** Reads SSE text until `done` holds for what was read, or the stream ends. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  done: (text: string) => boolean,
): Promise<{ text: string; ended: boolean }> {
  let text = ''
  while (!done(text)) {
    const { value, done: ended } = await reader.read()
    if (ended) return { text, ended: true }
    text += value
  }
  return { text, ended: false }
}

const eventNames = (text: string) => [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1])

describe('GET /events limits', () => {
  it('refuses streams beyond the cap with 503 and Retry-After, until one leaves', async () => {
    const first = new AbortController()
    const second = new AbortController()
    const a = await replica.app.request('/events', { signal: first.signal })
    const b = await replica.app.request('/events', { signal: second.signal })
    expect([a.status, b.status]).toEqual([200, 200])
    const refused = await replica.app.request('/events')
    expect(refused.status).toBe(503)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(errorResponseSchema.parse(await refused.json()).error.code).toBe('too_many_subscribers')
    first.abort()
    await a.body?.cancel().catch(() => undefined)
    await waitFor(() => replica.deps.hub.subscriberCount < 2)
    const third = new AbortController()
    const c = await replica.app.request('/events', { signal: third.signal })
    expect(c.status).toBe(200)
    second.abort()
    third.abort()
    await b.body?.cancel().catch(() => undefined)
    await c.body?.cancel().catch(() => undefined)
    await waitFor(() => replica.deps.hub.subscriberCount === 0)
  })

  it('sends `reset` to a consumer whose queue overflows, then drops it', async () => {
    const controller = new AbortController()
    const response = await replica.app.request('/events', { signal: controller.signal })
    expect(response.status).toBe(200)
    await waitFor(() => replica.deps.hub.subscriberCount === 1)
    // Each batch's 6 events fit in the queue of 10, but nobody reads the stream: the second
    // batch overflows it.
    await applyTransfers(3)
    expect(replica.deps.hub.subscriberCount).toBe(1)
    await applyTransfers(3)
    await waitFor(() => replica.deps.hub.subscriberCount === 0)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    const { text, ended } = await readUntil(reader, () => false)
    expect(ended).toBe(true)
    const names = eventNames(text)
    expect(names[0]).toBe('hello')
    expect(names.at(-1)).toBe('reset')
    expect(text).toContain('"reason":"slow_consumer"')
    controller.abort()
  })

  it('sends `reset` at once to a stream that resumes after an id it never gave', async () => {
    await applyTransfers(1)
    const lastId = replica.deps.hub.resumeId!
    for (const asked of [lastId + 1_000, replica.deps.hub.lastId + 1]) {
      const controller = new AbortController()
      const response = await replica.app.request('/events', {
        signal: controller.signal,
        headers: { 'Last-Event-ID': String(asked) },
      })
      expect(response.status).toBe(200)
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
      const { text } = await readUntil(reader, (read) => read.includes('event: reset'))
      expect(eventNames(text)).toEqual(['hello', 'reset'])
      expect(text).toContain('"reason":"events_lost"')
      controller.abort()
    }
    // Resuming from the last event given goes on as a stream.
    const controller = new AbortController()
    const response = await replica.app.request('/events', {
      signal: controller.signal,
      headers: { 'Last-Event-ID': String(lastId) },
    })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    await applyTransfers(1)
    const { text } = await readUntil(reader, (read) => read.includes('event: applied'))
    expect(eventNames(text)).not.toContain('reset')
    controller.abort()
    await waitFor(() => replica.deps.hub.subscriberCount === 0)
  })

  it('keeps a consumer that reads, however many batches go by', async () => {
    const controller = new AbortController()
    const response = await replica.app.request('/events', { signal: controller.signal })
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    for (let batch = 0; batch < 5; batch += 1) {
      await applyTransfers(3)
      text += (await readUntil(reader, (read) => read.includes('event: applied'))).text
    }
    expect(replica.deps.hub.subscriberCount).toBe(1)
    expect(eventNames(text)).not.toContain('reset')
    controller.abort()
    await waitFor(() => replica.deps.hub.subscriberCount === 0)
  })
})

describe('GET /events shares of a full replica', () => {
  // Quiet streams cost a client nothing to hold: without fair shares, 16 addresses taking 32
  // streams each would hold all 512 and every other user's live book would go dark.
  it('gives a client with fewer streams a place, closing the oldest stream of the biggest holder', async () => {
    const fair = await createTestReplica({ sequencer: new InMemorySequencer() })
    const fairRunning = fair.start()
    const { server } = await serveOnLoopback(fair.app.fetch, 30510)
    const streams: SseFrom[] = []
    try {
      const eventSubscribersMax = fair.deps.hub.subscribersMax
      const { eventStreamsPerClientMax } = fair.deps.options
      const holders = eventSubscribersMax / eventStreamsPerClientMax
      expect(holders).toBe(16)
      for (let holder = 0; holder < holders; holder++) {
        const from = `127.0.0.${2 + holder}`
        const opened = await Promise.all(
          Array.from({ length: eventStreamsPerClientMax }, () => openSseFrom(from, 30510)),
        )
        expect(opened.map((stream) => stream.status)).toEqual(opened.map(() => 200))
        streams.push(...opened)
      }
      expect(fair.deps.hub.subscriberCount).toBe(eventSubscribersMax)

      const newcomer = await openSseFrom('127.0.0.100', 30510)
      streams.push(newcomer)
      expect(newcomer.status).toBe(200)
      // One stream of a holder of 32 ended, with a `reset` its client recognises.
      await waitFor(() => streams.some((stream) => stream.ended))
      const ended = streams.filter((stream) => stream.ended)
      expect(ended).toHaveLength(1)
      const names = eventNames(ended[0]!.text)
      expect([names[0], names.at(-1)]).toEqual(['hello', 'reset'])
      expect(ended[0]!.text).toContain('"reason":"too_many_streams"')
      expect(fair.deps.hub.subscriberCount).toBe(eventSubscribersMax)

      // Its client now holds 31; one more would make it a biggest holder again: refused.
      const again = await openSseFrom(ended[0]!.from, 30510)
      streams.push(again)
      expect(again.status).toBe(503)
      expect(errorResponseSchema.parse(JSON.parse(again.text)).error.code).toBe(
        'too_many_subscribers',
      )
    } finally {
      for (const stream of streams) stream.close()
      server.close()
      await fair.stop()
      await fairRunning
    }
  })
})

/** A `GET /events` from a loopback address, read as it comes. */
interface SseFrom {
  readonly from: string
  readonly status: number
  /** Everything received so far. */
  readonly text: string
  /** Whether the server ended the answer. */
  readonly ended: boolean
  close(): void
}

/** Opens `GET /events` on 127.0.0.1:`port` from `from`; resolves once the status is known. */
function openSseFrom(from: string, port: number): Promise<SseFrom> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: '/events', localAddress: from, agent: false }
    const request = httpRequest(options, (response) => {
      const stream = {
        from,
        status: response.statusCode!,
        text: '',
        ended: false,
        close: () => request.destroy(),
      }
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (stream.text += chunk))
      response.on('end', () => (stream.ended = true))
      response.on('error', () => {})
      resolve(stream)
    })
    request.on('error', reject)
    request.end()
  })
}
