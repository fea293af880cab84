import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../../shared/api/index.ts'
import { signIntent } from '../../../shared/exchange/testing.ts'
import type { Replica } from '../replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
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
