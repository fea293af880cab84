import { describe, expect, it } from 'vitest'
import { buildDepth } from './buildDepth.ts'

describe('buildDepth', () => {
  it('adds up each side from the best price outward, around the mid', () => {
    const depth = buildDepth({
      bids: new Map([
        [98n, 2n],
        [99n, 1n],
        [50n, 100n], // more than 20 % below the mid: left out
      ]),
      asks: new Map([
        [102n, 3n],
        [101n, 1n],
      ]),
    })
    expect(depth.mid).toBe(100n)
    expect(depth.bids).toEqual([
      { price: 99n, cumulative: 1n },
      { price: 98n, cumulative: 3n },
    ])
    expect(depth.asks).toEqual([
      { price: 101n, cumulative: 1n },
      { price: 102n, cumulative: 4n },
    ])
  })

  it('centres a one-sided book on its best price, and an empty one on nothing', () => {
    expect(buildDepth({ bids: new Map(), asks: new Map([[10n, 1n]]) })).toEqual({
      bids: [],
      asks: [{ price: 10n, cumulative: 1n }],
      mid: 10n,
    })
    expect(buildDepth({ bids: new Map(), asks: new Map() }).mid).toBeUndefined()
  })
})
