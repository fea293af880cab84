import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BookEvent, OrderbookResponse } from '../../../shared/api/index.ts'
import { bookLevelsMax } from './orderbookState.ts'
import { bufferedDeltasMax, OrderbookSync } from './orderbookSync.ts'

const replica = { id: 'replica-1', url: 'http://127.0.0.1:5001' }
const delta = (seq: number, price: string, quantity: string): BookEvent => ({
  market: 'ETH/USDT',
  seq,
  side: 'buy',
  price,
  quantity,
  index: seq,
})

/** A fetch that answers `GET /orderbook` with each snapshot in turn, when released. */
function snapshots(...bodies: OrderbookResponse[]) {
  const waiting: (() => void)[] = []
  let calls = 0
  vi.stubGlobal('fetch', async () => {
    const body = bodies[Math.min(calls++, bodies.length - 1)]!
    await new Promise<void>((release) => waiting.push(release))
    return new Response(JSON.stringify(body), { status: 200 })
  })
  return {
    release: () => waiting.shift()?.(),
    calls: () => calls,
  }
}

const snapshot = (seq: number, bids: [string, string][]): OrderbookResponse => ({
  market: 'ETH/USDT',
  seq,
  index: seq,
  asks: [],
  bids: bids.map(([price, quantity]) => ({ price, quantity, orders: 1 })),
})

const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

afterEach(() => vi.unstubAllGlobals())

describe('OrderbookSync', () => {
  it('buffers deltas while the snapshot loads and replays the newer ones', async () => {
    const server = snapshots(snapshot(5, [['100', '1']]))
    const sync = new OrderbookSync('ETH/USDT', () => replica)
    sync.resync()
    sync.onDelta(delta(5, '100', '9')) // already in the snapshot
    sync.onDelta(delta(6, '101', '2'))
    server.release()
    await settle()
    const view = sync.getView()
    expect(view.status).toBe('synced')
    expect(view.book?.seq).toBe(6)
    expect([...view.book!.bids]).toEqual([
      [100n, 1n],
      [101n, 2n],
    ])
    sync.stop()
  })

  it('refetches the snapshot when a delta is missed', async () => {
    const server = snapshots(snapshot(5, [['100', '1']]), snapshot(8, [['100', '3']]))
    const sync = new OrderbookSync('ETH/USDT', () => replica)
    sync.resync()
    server.release()
    await settle()
    sync.onDelta(delta(7, '100', '2')) // 6 never arrived
    expect(sync.getView()).toMatchObject({ status: 'resyncing', gaps: 1 })
    server.release()
    await settle()
    expect(server.calls()).toBe(2)
    expect(sync.getView().book?.seq).toBe(8)
    expect(sync.getView().book?.bids.get(100n)).toBe(3n)
    sync.stop()
  })

  it("shows a batch's deltas at its end, and at most once per 16 ms (a frame)", async () => {
    vi.useFakeTimers()
    const server = snapshots(snapshot(5, [['100', '1']]))
    const sync = new OrderbookSync('ETH/USDT', () => replica)
    try {
      sync.resync()
      server.release()
      await vi.advanceTimersByTimeAsync(10)
      expect(sync.getView().status).toBe('synced')
      const published: (number | undefined)[] = []
      sync.subscribe(() => published.push(sync.getView().book?.seq))
      vi.advanceTimersByTime(1000)
      // One batch, two deltas: nothing shows half of it; its `applied` shows it at once.
      sync.onDelta(delta(6, '101', '2'))
      sync.onDelta(delta(7, '102', '3'))
      expect(published).toEqual([])
      sync.flush()
      expect(published).toEqual([7])
      // The next batch ends 10 ms later: it shows when the 16 ms since the last publication are
      // over, 6 ms later (not 16 ms after its own first delta).
      vi.advanceTimersByTime(10)
      sync.onDelta(delta(8, '103', '4'))
      sync.flush()
      expect(published).toEqual([7])
      vi.advanceTimersByTime(5)
      expect(published).toEqual([7])
      vi.advanceTimersByTime(1)
      expect(published).toEqual([7, 8])
      // A flush with nothing new publishes nothing.
      vi.advanceTimersByTime(100)
      sync.flush()
      expect(published).toEqual([7, 8])
    } finally {
      vi.useRealTimers()
      sync.stop()
    }
  })
})

/** Runs `body` counting `Map.prototype.set` calls: each entry a map copy carries costs one. */
function countingMapSets(body: () => void): number {
  const original = Map.prototype.set
  let sets = 0
  Map.prototype.set = function (this: Map<unknown, unknown>, key: unknown, value: unknown) {
    sets += 1
    return original.call(this, key, value)
  }
  try {
    body()
  } finally {
    Map.prototype.set = original
  }
  return sets
}

describe('OrderbookSync against a stream of made-up levels', () => {
  it('keeps a bounded book, and applies each delta without copying the book', async () => {
    const server = snapshots(snapshot(0, []))
    const sync = new OrderbookSync('ETH/USDT', () => replica)
    sync.resync()
    server.release()
    await settle()
    const deltas = 5000
    const sets = countingMapSets(() => {
      for (let seq = 1; seq <= deltas; seq++) sync.onDelta(delta(seq, String(1_000_000 + seq), '1'))
      sync.flush()
    })
    const { book } = sync.getView()
    expect(book?.seq).toBe(deltas)
    expect(book!.bids.size).toBeLessThanOrEqual(bookLevelsMax)
    // The best levels are the ones kept.
    expect(book!.bids.get(BigInt(1_000_000 + deltas))).toBe(1n)
    // A copy of the book per delta would cost millions of sets (n² / 2).
    expect(sets).toBeLessThan(4 * deltas)
    sync.stop()
  })

  it('buffers a bounded number of deltas while a snapshot loads, then loads a newer one', async () => {
    const server = snapshots(snapshot(5, [['100', '1']]), snapshot(50_000, [['100', '3']]))
    const sync = new OrderbookSync('ETH/USDT', () => replica)
    sync.resync()
    for (let seq = 6; seq <= 6 + bufferedDeltasMax; seq++) sync.onDelta(delta(seq, '101', '2'))
    server.release()
    await settle()
    // More came than the buffer holds: the first snapshot cannot be brought up to date.
    expect(sync.getView()).toMatchObject({ status: 'loading', gaps: 1 })
    expect(server.calls()).toBe(2)
    server.release()
    await settle()
    expect(sync.getView()).toMatchObject({ status: 'synced' })
    expect(sync.getView().book?.seq).toBe(50_000)
    sync.stop()
  })
})

/** A replica stand-in on 127.0.0.1 whose `GET /orderbook` fails (500), counting the requests. */
async function failingReplica(answerAfterMs = 0) {
  const { createServer } = await import('node:http')
  let requests = 0
  const server = createServer((_request, response) => {
    requests += 1
    setTimeout(() => {
      response.writeHead(500, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { code: 'internal', message: 'down' } }))
    }, answerAfterMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    replica: { id: 'replica-1', url: `http://127.0.0.1:${port}` },
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('OrderbookSync after stop', () => {
  it('a failed snapshot is not retried once the sync is stopped', async () => {
    const server = await failingReplica()
    const sync = new OrderbookSync('ETH/USDT', () => server.replica)
    sync.resync()
    await expect.poll(() => sync.getView().status).toBe('error')
    sync.stop()
    const before = server.requests()
    await sleep(2500)
    expect(server.requests()).toBe(before)
    await server.close()
  })

  it('a snapshot still loading when the sync stops is not retried either', async () => {
    const server = await failingReplica(300)
    const sync = new OrderbookSync('ETH/USDT', () => server.replica)
    sync.resync()
    await expect.poll(() => server.requests()).toBe(1)
    sync.stop()
    await sleep(2500)
    expect(server.requests()).toBe(1)
    expect(sync.getView().status).not.toBe('error')
    await server.close()
  })

  it('while running, retries a failing snapshot less and less often', async () => {
    const server = await failingReplica()
    const sync = new OrderbookSync('ETH/USDT', () => server.replica)
    sync.resync()
    await sleep(7000)
    // Every 1.5 s would be 5 or more; backing off from 1 s (1, 2, 4 s) makes at most 4.
    expect(server.requests()).toBeLessThanOrEqual(4)
    expect(server.requests()).toBeGreaterThanOrEqual(2)
    sync.stop()
    await server.close()
  })
})

describe('OrderbookSync of a book deeper than its snapshot', () => {
  it('loads a new snapshot once so few levels are known that a missing one may be among the best', async () => {
    // 60 bids from 1000 down, asked 60 deep: the side may go on below 941, unseen.
    const deep = Array.from({ length: 60 }, (_, i) => [String(1000 - i), '1'] as [string, string])
    const server = snapshots(snapshot(1, deep), snapshot(30, deep.slice(19)))
    const sync = new OrderbookSync('ETH/USDT', () => replica, 60)
    sync.resync()
    server.release()
    await settle()
    expect(sync.getView().status).toBe('synced')
    // The best bids go one by one; 40 known levels are still enough.
    for (let seq = 2; seq <= 21; seq++) sync.onDelta(delta(seq, String(1002 - seq), '0'))
    expect(sync.getView().status).toBe('synced')
    expect(server.calls()).toBe(1)
    // One more and a level below 941 could be among the best 20: a new snapshot.
    sync.onDelta(delta(22, '980', '0'))
    expect(sync.getView().status).toBe('resyncing')
    expect(server.calls()).toBe(2)
    sync.stop()
  })

  it('never reloads a book its snapshot held whole', async () => {
    const bids = Array.from({ length: 10 }, (_, i) => [String(1000 - i), '1'] as [string, string])
    const server = snapshots(snapshot(1, bids))
    const sync = new OrderbookSync('ETH/USDT', () => replica, 60)
    sync.resync()
    server.release()
    await settle()
    for (let seq = 2; seq <= 11; seq++) sync.onDelta(delta(seq, String(1002 - seq), '0'))
    expect(sync.getView().status).toBe('synced')
    expect(server.calls()).toBe(1)
    sync.stop()
  })
})
