import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIntent } from '../../shared/exchange/testing.ts'
import type { Replica } from './replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  freeLoopbackPort,
  InMemorySequencer,
  spawnApiProcesses,
  testRegistry,
  testTokens,
  usePostgresServer,
  waitFor,
} from './testing.ts'

/*
 * One replica as an applier plus two API processes (the compiled `main.ts` with
 * `REPLICA_APPLIER_URL`), all on one real PostgreSQL database, over real HTTP on 127.0.0.1:
 * while the applier writes, both API processes answer the same reads as the applier and stream
 * the same events, gap-free; a restarted applier that cannot replay what its streams missed
 * makes them reset, never skip.
 */

const server = usePostgresServer({ beforeAll, afterAll })
const cleanups: (() => Promise<unknown> | void)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let nonce = 0
const order = (account: typeof alice, side: string, price: string, quantity = '0.5') =>
  signIntent(account, testTokens, {
    action: 'order',
    nonce: String(++nonce),
    market: 'ETH/USDT',
    side,
    type: 'limit',
    price,
    quantity,
    timeInForce: 'GTC',
  })
const pay = (amount: string) =>
  signIntent(alice, testTokens, {
    action: 'transfer',
    nonce: String(++nonce),
    to: bob.address,
    token: 'USDT',
    amount,
  })

/** A batch that rests, crosses and moves money: receipts, orders, trades, book deltas, balances. */
function tradingBatch(n: number): string {
  const price = String(2000 + (n % 5) * 10)
  return JSON.stringify([order(bob, 'sell', price), order(alice, 'buy', price, '0.25'), pay('1')])
}

/** Serves `replica` on 127.0.0.1:`port` (0: any), and stops serving when cleaned up. */
async function serveReplica(
  replica: Replica,
  port = 0,
): Promise<{ url: string; http: ServerType }> {
  const http = serve({ fetch: replica.app.fetch, hostname: '127.0.0.1', port })
  await new Promise((resolve) => http.once('listening', resolve))
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, http }
}

function closeHttp(http: ServerType): Promise<void> {
  return new Promise((resolve) => {
    ;(http as unknown as { closeAllConnections(): void }).closeAllConnections()
    http.close(() => resolve())
  })
}

interface StreamEvent {
  readonly event: string
  readonly data: Record<string, unknown>
}

/** An SSE stream read into `events` until `close`. */
function openStream(url: string): { events: StreamEvent[]; close: () => void } {
  const events: StreamEvent[] = []
  const controller = new AbortController()
  const read = async () => {
    const response = await fetch(`${url}/events`, { signal: controller.signal })
    const decoder = new TextDecoder()
    let text = ''
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true })
      let end: number
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end)
        text = text.slice(end + 2)
        const event = /^event: ?(.*)$/m.exec(block)?.[1]
        const data = /^data: ?(.*)$/m.exec(block)?.[1]
        if (event !== undefined && data !== undefined && event !== 'heartbeat') {
          events.push({ event, data: JSON.parse(data) as Record<string, unknown> })
        }
      }
    }
  }
  read().catch(() => undefined)
  return { events, close: () => controller.abort() }
}

/** The index of the last `applied` event of a stream (its hello's if none). */
function streamIndex(events: readonly StreamEvent[]): number {
  for (let at = events.length - 1; at >= 0; at--) {
    const { event, data } = events[at]!
    if (event === 'applied') return data.index as number
    if (event === 'hello') return data.appliedIndex as number
  }
  return -1
}

/**
 * Checks a stream from its `hello`: every batch is the next index, every book delta its market's
 * next seq. Returns the batches it saw, keyed by index, as the list of their events.
 */
function checkGapFree(events: readonly StreamEvent[]): Map<number, StreamEvent[]> {
  const hello = events[0]!
  expect(hello.event).toBe('hello')
  let index = hello.data.appliedIndex as number
  const seqs = new Map(
    (hello.data.books as { market: string; seq: number }[]).map((b) => [b.market, b.seq]),
  )
  const batches = new Map<number, StreamEvent[]>()
  let batch: StreamEvent[] = []
  for (const event of events.slice(1)) {
    batch.push(event)
    if (event.event === 'book') {
      const market = event.data.market as string
      expect(event.data.seq).toBe((seqs.get(market) ?? 0) + 1)
      seqs.set(market, event.data.seq as number)
    }
    if (event.event === 'applied') {
      expect(event.data.index).toBe(index + 1)
      index += 1
      batches.set(index, batch)
      batch = []
    }
  }
  return batches
}

/** The applied events without `stateHash`, which each hub adds only when it computes one. */
function withoutStateHash(events: readonly StreamEvent[]): unknown[] {
  return events.map(({ event, data }) => {
    if (event !== 'applied') return { event, data }
    const { stateHash: _, ...rest } = data
    return { event, data: rest }
  })
}

describe('a replica as one applier and two API processes on PostgreSQL', () => {
  it('serves consistent reads and gap-free events while the applier writes; resets on a gap', async () => {
    const sequencer = new InMemorySequencer()
    const databaseUrl = await server.createDatabase()
    const applierPort = await freeLoopbackPort()
    const registry = testRegistry(1, applierPort)
    let applier = await createTestReplica({
      sequencer,
      databaseUrl,
      registry,
      // As deployed: its clients are the API processes, which limit each of theirs.
      parameters: { rateLimits: false },
    })
    let running = applier.start()
    let served = await serveReplica(applier, applierPort)
    cleanups.push(async () => {
      await closeHttp(served.http)
      await applier.stop()
      await running
    })
    const applierUrl = served.url

    const lines: string[] = []
    const apis = await spawnApiProcesses({
      count: 2,
      registry,
      databaseUrl,
      applierUrl,
      onLine: (id, line) => lines.push(`${id}: ${line}`),
    })
    for (const { process } of apis) {
      cleanups.push(async () => {
        process.child.kill('SIGTERM')
        await process.exited
      })
    }
    const get = async (url: string, path: string) => {
      const response = await fetch(`${url}${path}`)
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    await waitFor(async () => {
      for (const { url } of apis) {
        const answer = await get(url, '/markets').catch(() => undefined)
        if (answer?.status !== 200) return false
      }
      return true
    }, 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${lines.join('\n')}`)
    })

    sequencer.append(tradingBatch(0))
    await waitFor(() => applier.state.position.index === 1)
    const streams = [applierUrl, ...apis.map(({ url }) => url)].map(openStream)
    cleanups.push(() => streams.forEach((stream) => stream.close()))
    await waitFor(() => streams.every((stream) => stream.events[0]?.event === 'hello'))

    // The applier writes while both API processes are read.
    const reads: Promise<void>[] = []
    for (let n = 1; n <= 40; n++) {
      sequencer.append(tradingBatch(n))
      if (n % 8 === 0) {
        reads.push(
          (async () => {
            // Committed: `/status` answers once no commit is in flight.
            const index = (await get(applierUrl, '/status')).body.appliedIndex as number
            const path = `/balance?address=${bob.address}&token=USDT&index=${index}`
            const answers = await Promise.all(
              [applierUrl, ...apis.map(({ url }) => url)].map((url) => get(url, path)),
            )
            // The same statement, signed with the replica's one key: byte-equal answers.
            for (const answer of answers) expect(answer).toEqual(answers[0])
            expect(answers[0]!.status).toBe(200)
          })(),
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await Promise.all(reads)
    await waitFor(() => applier.state.position.index === 41)
    await waitFor(() => streams.every((stream) => streamIndex(stream.events) === 41))

    const seen = streams.map((stream) => checkGapFree(stream.events))
    for (const batches of seen.slice(1)) {
      for (const [index, events] of batches) {
        // Every batch an API process relayed is the applier's, event for event.
        const original = seen[0]!.get(index)
        if (original !== undefined)
          expect(withoutStateHash(events)).toEqual(withoutStateHash(original))
      }
    }
    // Proven answers and `/root` are of the latest state hash, made at most once per interval:
    // until it is of index 41, two reads of one path a moment apart may name different ones.
    await waitFor(async () => {
      const { body } = await get(applierUrl, '/root')
      return (body.attestation as { index?: number } | undefined)?.index === 41
    })
    const { body: bobOrders } = await get(applierUrl, `/orders?address=${bob.address}&limit=1`)
    const bobOrder = (bobOrders.orders as { orderId: string }[])[0]!.orderId
    for (const path of [
      '/orderbook?market=ETH/USDT',
      `/orders?address=${bob.address}`,
      `/order/${bobOrder}`,
      '/trades?market=ETH/USDT&limit=5',
      `/balances?address=${alice.address}`,
      '/markets',
      // Forwarded: the state tree is the applier's.
      `/balances?address=${bob.address}&proof=1`,
      `/orders?address=${bob.address}&proof=1`,
      `/order/${bobOrder}?proof=1`,
      '/root',
      '/root_certificate?index=41',
      '/snapshot',
    ]) {
      const expected = await get(applierUrl, path)
      expect(expected.status, path).toBe(200)
      for (const { url } of apis) expect(await get(url, path), path).toEqual(expected)
    }

    // A submission through an API process reaches the applier, and its receipt every process.
    const payment = pay('2')
    const submitted = await fetch(`${apis[0]!.url}/transfer`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payment),
    })
    expect(submitted.status).toBe(202)
    const { intentId } = (await submitted.json()) as { intentId: string }
    await waitFor(
      async () => (await get(apis[1]!.url, `/tx/${intentId}`)).body.status === 'applied',
    )
    expect((await get(apis[0]!.url, '/status')).body.appliedIndex).toBe(
      applier.state.position.index,
    )

    // The API processes lose the applier's stream while it applies on: they resume with
    // Last-Event-ID, the applier replays what they missed, and their streams go on gap-free.
    await closeHttp(served.http)
    const resumeFrom = sequencer.bodies.length + 1
    for (let n = 0; n < 3; n++) sequencer.append(tradingBatch(100 + n))
    await waitFor(() => applier.state.position.index === sequencer.bodies.length)
    served = await serveReplica(applier, applierPort)
    const resumedTo = sequencer.bodies.length
    // (The test's own stream from the applier ended with the connection: only the relays'.)
    const relayed = streams.slice(1)
    await waitFor(() => relayed.every((stream) => streamIndex(stream.events) === resumedTo))
    for (const stream of relayed) {
      const batches = checkGapFree(stream.events)
      expect(batches.has(resumeFrom)).toBe(true)
      expect(stream.events.some((event) => event.event === 'reset')).toBe(false)
    }

    // The applier restarts while batches keep coming: its new hub cannot replay what the
    // API processes missed, so their streams are reset and fresh ones start gap-free.
    await closeHttp(served.http)
    await applier.stop()
    await running
    for (let n = 41; n <= 44; n++) sequencer.append(tradingBatch(n))
    applier = await createTestReplica({ sequencer, databaseUrl, registry })
    running = applier.start()
    await waitFor(() => applier.state.position.index === sequencer.bodies.length)
    served = await serveReplica(applier, applierPort)
    sequencer.append(tradingBatch(45))
    for (const stream of streams.slice(1)) {
      await waitFor(() => stream.events.some((event) => event.event === 'reset')).catch(
        (error: unknown) => {
          throw new Error(`${String(error)}\n${lines.join('\n')}`)
        },
      )
      expect(stream.events.at(-1)).toEqual({ event: 'reset', data: { reason: 'events_lost' } })
    }
    const fresh = apis.map(({ url }) => openStream(url))
    cleanups.push(() => fresh.forEach((stream) => stream.close()))
    await waitFor(() => fresh.every((stream) => stream.events[0]?.event === 'hello'))
    const last = sequencer.bodies.length + 1
    sequencer.append(tradingBatch(46))
    await waitFor(() => fresh.every((stream) => streamIndex(stream.events) === last))
    for (const stream of fresh) checkGapFree(stream.events)
  }, 180_000)
})
