import { describe, expect, it } from 'vitest'
import type { BookEvent, OrderbookResponse } from '../../../shared/api/index.ts'
import {
  applyBookDelta,
  bestPrices,
  bookLevelsMax,
  copyBook,
  groupLevels,
  knownLevels,
  orderbookFromSnapshot,
} from './orderbookState.ts'

const snapshotAnswer: OrderbookResponse = {
  market: 'ETH/USDT',
  seq: 10,
  index: 5,
  bids: [
    { price: '2000000000', quantity: '1000000000000000000', orders: 1 },
    { price: '1999990000', quantity: '500000000000000000', orders: 2 },
  ],
  asks: [{ price: '2001000000', quantity: '2000000000000000000', orders: 1 }],
}
const snapshot = orderbookFromSnapshot(snapshotAnswer)

const delta = (seq: number, side: 'buy' | 'sell', price: string, quantity: string): BookEvent => ({
  market: 'ETH/USDT',
  seq,
  side,
  price,
  quantity,
  index: 6,
})

describe('applyBookDelta', () => {
  it('applies the next delta in place, replacing and removing levels', () => {
    const book = orderbookFromSnapshot(snapshotAnswer)
    const shown = copyBook(book)
    expect(applyBookDelta(book, delta(11, 'buy', '2000000000', '3')).kind).toBe('applied')
    expect(book.bids.get(2_000_000_000n)).toBe(3n)
    expect(applyBookDelta(book, delta(12, 'sell', '2001000000', '0')).kind).toBe('applied')
    expect(book).toMatchObject({ seq: 12, asks: new Map() })
    // A copy made for a view does not change with the book.
    expect(shown.bids.get(2_000_000_000n)).toBe(10n ** 18n)
    expect(shown.seq).toBe(10)
  })

  it('ignores old deltas and reports gaps, changing nothing', () => {
    const book = orderbookFromSnapshot(snapshotAnswer)
    expect(applyBookDelta(book, delta(10, 'buy', '1', '1')).kind).toBe('old')
    expect(applyBookDelta(book, delta(13, 'buy', '1', '1'))).toEqual({
      kind: 'gap',
      expected: 11,
      received: 13,
    })
    expect(book).toEqual(orderbookFromSnapshot(snapshotAnswer))
  })

  it('keeps the best levels of a side, at most bookLevelsMax', () => {
    const book = orderbookFromSnapshot({ ...snapshotAnswer, seq: 0, bids: [], asks: [] })
    for (let seq = 1; seq <= 5000; seq++) {
      applyBookDelta(book, delta(seq, seq % 2 ? 'buy' : 'sell', String(1_000_000 + seq), '1'))
    }
    expect(book.bids.size).toBeLessThanOrEqual(bookLevelsMax)
    expect(book.asks.size).toBeLessThanOrEqual(bookLevelsMax)
    // Bids keep the highest prices, asks the lowest: each side's best level is there.
    expect(book.bids.has(1_004_999n)).toBe(true)
    expect(book.bids.has(1_000_001n)).toBe(false)
    expect(book.asks.has(1_000_002n)).toBe(true)
    // A snapshot is held to the same bound, best levels first.
    const levels = Array.from({ length: 3000 }, (_, i) => ({
      price: String(i + 1),
      quantity: '1',
      orders: 1,
    }))
    const held = orderbookFromSnapshot({ ...snapshotAnswer, bids: levels }).bids
    expect(held.size).toBeLessThanOrEqual(bookLevelsMax)
    expect(held.has(3000n)).toBe(true)
  })

  it('knows where a side may lack levels: past a cut snapshot, past the levels it dropped', () => {
    const bids = [3, 2, 1].map((price) => ({ price: String(price), quantity: '1', orders: 1 }))
    const whole = orderbookFromSnapshot({ ...snapshotAnswer, bids }, 4)
    expect(whole.horizon.bids).toBeUndefined()
    expect(knownLevels(whole, 'bids')).toBe(3)
    const cut = orderbookFromSnapshot({ ...snapshotAnswer, bids }, 3)
    expect(cut.horizon).toEqual({ bids: 1n, asks: undefined })
    applyBookDelta(cut, delta(11, 'buy', '0', '5')) // below the horizon: maybe not alone there
    expect(knownLevels(cut, 'bids')).toBe(3)
    // Dropped asks (the highest) leave the side known up to the worst kept one.
    const book = orderbookFromSnapshot({ ...snapshotAnswer, seq: 0, asks: [] })
    for (let seq = 1; seq <= bookLevelsMax + 1; seq++) {
      applyBookDelta(book, delta(seq, 'sell', String(seq), '1'))
    }
    expect(book.horizon.asks).toBe(800n)
    expect(knownLevels(book, 'asks')).toBe(800)
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
