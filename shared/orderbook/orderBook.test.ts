import { describe, expect, test } from 'vitest'
import { BookSide } from './orderBook.ts'

const pricesFromBest = (side: BookSide) => [...side.fromBest()].map((level) => level.price)

describe('BookSide', () => {
  test('bids: the best level is the highest price, whatever the insertion order', () => {
    const bids = new BookSide('buy', 3)
    for (let price = 1_000; price >= 1; price--) bids.levelAt(price)
    expect(bids.levelCount).toBe(1_000)
    expect(bids.best()?.price).toBe(1_000)
    expect(pricesFromBest(bids).slice(0, 3)).toEqual([1_000, 999, 998])
    expect(pricesFromBest(bids).at(-1)).toBe(1)
  })

  test('asks: the best level is the lowest price, whatever the insertion order', () => {
    const asks = new BookSide('sell', 3)
    for (let price = 1; price <= 1_000; price++) asks.levelAt(price)
    expect(asks.best()?.price).toBe(1)
    expect(pricesFromBest(asks).slice(0, 3)).toEqual([1, 2, 3])
    expect(pricesFromBest(asks).at(-1)).toBe(1_000)
  })

  test('levelAt returns the existing level of a price', () => {
    const bids = new BookSide('buy')
    const level = bids.levelAt(100)
    expect(bids.levelAt(100)).toBe(level)
    expect(level.side).toBe('buy')
    expect(level.key).toBe(100)
    expect(new BookSide('sell').levelAt(100).key).toBe(-100)
    expect(bids.levelCount).toBe(1)
  })

  test('removing levels: the best moves to the next price; other removals keep it', () => {
    const asks = new BookSide('sell', 4)
    for (const price of [50, 10, 40, 20, 30]) asks.levelAt(price)
    asks.remove(asks.levelAt(10))
    expect(asks.best()?.price).toBe(20)
    asks.remove(asks.levelAt(40))
    expect(asks.best()?.price).toBe(20)
    expect(pricesFromBest(asks)).toEqual([20, 30, 50])
    for (const price of [20, 30, 50]) asks.remove(asks.levelAt(price))
    expect(asks.best()).toBeUndefined()
    expect(asks.levelCount).toBe(0)
  })
})
