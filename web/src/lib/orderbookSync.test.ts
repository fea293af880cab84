import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BookEvent, OrderbookResponse } from '../../../shared/api/index.ts'
import { OrderbookSync } from './orderbookSync.ts'

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
})
