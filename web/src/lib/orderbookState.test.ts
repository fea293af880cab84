import { describe, expect, it } from 'vitest'
import type { BookEvent } from '../../../shared/api/index.ts'
import { applyBookDelta, bestPrices, groupLevels, orderbookFromSnapshot } from './orderbookState.ts'

const snapshot = orderbookFromSnapshot({
  market: 'ETH/USDT',
  seq: 10,
  index: 5,
  bids: [
    { price: '2000000000', quantity: '1000000000000000000', orders: 1 },
    { price: '1999990000', quantity: '500000000000000000', orders: 2 },
  ],
  asks: [{ price: '2001000000', quantity: '2000000000000000000', orders: 1 }],
})

const delta = (seq: number, side: 'buy' | 'sell', price: string, quantity: string): BookEvent => ({
  market: 'ETH/USDT',
  seq,
  side,
  price,
  quantity,
  index: 6,
})

describe('applyBookDelta', () => {
  it('applies the next delta, replacing and removing levels', () => {
    const first = applyBookDelta(snapshot, delta(11, 'buy', '2000000000', '3'))
    expect(first.kind).toBe('applied')
    if (first.kind !== 'applied') return
    expect(first.state.bids.get(2_000_000_000n)).toBe(3n)
    const second = applyBookDelta(first.state, delta(12, 'sell', '2001000000', '0'))
    expect(second.kind === 'applied' && second.state.asks.size).toBe(0)
    expect(snapshot.bids.get(2_000_000_000n)).toBe(10n ** 18n) // not mutated
  })

  it('ignores old deltas and reports gaps', () => {
    expect(applyBookDelta(snapshot, delta(10, 'buy', '1', '1')).kind).toBe('old')
    expect(applyBookDelta(snapshot, delta(13, 'buy', '1', '1'))).toEqual({
      kind: 'gap',
      expected: 11,
      received: 13,
    })
  })
})

describe('groupLevels', () => {
  it('groups bids down and asks up with running totals', () => {
    const bids = groupLevels(snapshot.bids, 'bids', 1_000_000n, 10)
    expect(bids).toEqual([
      { price: 2_000_000_000n, quantity: 10n ** 18n, total: 10n ** 18n },
      { price: 1_999_000_000n, quantity: 5n * 10n ** 17n, total: 15n * 10n ** 17n },
    ])
    const asks = groupLevels(
      new Map([
        [2_000_500_000n, 1n],
        [2_000_900_000n, 2n],
      ]),
      'asks',
      1_000_000n,
      10,
    )
    expect(asks).toEqual([{ price: 2_001_000_000n, quantity: 3n, total: 3n }])
    expect(bestPrices(snapshot)).toEqual({ bid: 2_000_000_000n, ask: 2_001_000_000n })
  })
})
