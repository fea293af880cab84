import { describe, expect, it } from 'vitest'
import type { OrderView } from '../../../../shared/api/index.ts'
import {
  estimateFill,
  oppositeLevels,
  oppositeLevelsOnDemand,
  ownOpposite,
  quantityForQuote,
  selfTradePrices,
} from './fillEstimate.ts'

// Prices in quote base units (6 decimals) per whole base token (18 decimals).
const usdt = (value: number) => BigInt(Math.round(value * 1e6))
const eth = (value: number) => BigInt(Math.round(value * 1e6)) * 10n ** 12n
const market = { baseDecimals: 18, lotBaseUnits: (10n ** 15n).toString() }
const book = {
  asks: new Map([
    [usdt(2010), eth(5)],
    [usdt(2001), eth(1)],
    [usdt(2002), eth(2)],
  ]),
  bids: new Map([
    [usdt(1990), eth(3)],
    [usdt(1999), eth(1)],
  ]),
}
// What a buy and a sell trade against, best first.
const asks = oppositeLevels(book, 'buy')
const bids = oppositeLevels(book, 'sell')

describe('fill estimate', () => {
  it("sorts the side an order trades against once, best first, whatever the book's order", () => {
    expect(asks.map(([price]) => price)).toEqual([usdt(2001), usdt(2002), usdt(2010)])
    expect(bids).toEqual([
      [usdt(1999), eth(1)],
      [usdt(1990), eth(3)],
    ])
  })

  it('sorts a side on demand once, at the first call, and keeps it', () => {
    const onDemand = oppositeLevelsOnDemand(book, 'buy')
    const first = onDemand()
    expect(first).toEqual(asks)
    expect(onDemand()).toBe(first)
  })

  it('walks the levels best first, within the limit: average price and impact', () => {
    // 1 at 2,001 and 1 at 2,002: 4,003 USDT for 2 ETH, 2,001.5 on average, 0.025 % over 2,001.
    const buy = estimateFill(asks, 'buy', eth(2), usdt(2100), 18)
    expect(buy).toEqual({
      quantity: eth(2),
      quote: usdt(4003),
      averagePrice: usdt(2001.5),
      impactPpm: 249n,
    })
    // The limit stops the walk: what lies past it rests or is cancelled.
    expect(estimateFill(asks, 'buy', eth(10), usdt(2002), 18).quantity).toBe(eth(3))
    const sell = estimateFill(bids, 'sell', eth(2), usdt(1900), 18)
    expect(sell.averagePrice).toBe(usdt(1994.5))
    expect(sell.quote).toBe(usdt(3989))
    expect(estimateFill(bids, 'sell', eth(1), usdt(2000), 18)).toEqual({ quantity: 0n, quote: 0n })
  })

  it("skips the user's own resting orders: self-trade prevention cancels them", () => {
    const own = new Map([[usdt(2001), eth(1)]])
    const buy = estimateFill(asks, 'buy', eth(1), usdt(2100), 18, own)
    expect(buy.averagePrice).toBe(usdt(2002))
    // Against the best price it trades at, not the own one it skipped.
    expect(buy.impactPpm).toBe(0n)
  })

  it('turns a total of quote into whole lots the book gives for it', () => {
    // 2,001 buys the first ETH; 1,001 more buys 0.5 ETH at 2,002.
    expect(quantityForQuote(asks, 'buy', usdt(3002), usdt(2100), market)).toBe(eth(1.5))
    // Rounded down to the lot (0.001 ETH): 100 USDT at 2,001 is 0.04997… ETH.
    expect(quantityForQuote(asks, 'buy', usdt(100), usdt(2100), market)).toBe(eth(0.049))
    // No more than the levels within the bound hold.
    expect(quantityForQuote(asks, 'buy', usdt(1_000_000), usdt(2002), market)).toBe(eth(3))
    expect(quantityForQuote(bids, 'sell', usdt(1999), usdt(1900), market)).toBe(eth(1))
  })

  it("finds the user's own orders an order would meet, given the orders ahead of them", () => {
    const own = new Map([[usdt(2002), eth(1)]])
    // 1 ETH at 2,001 comes first: an order for 1 ETH ends there, one for more reaches 2,002.
    expect(selfTradePrices(asks, 'buy', eth(1), usdt(2100), own)).toEqual([])
    expect(selfTradePrices(asks, 'buy', eth(1.5), usdt(2100), own)).toEqual([usdt(2002)])
    // Not within the limit, or no size yet: by price alone.
    expect(selfTradePrices(asks, 'buy', eth(5), usdt(2001), own)).toEqual([])
    expect(selfTradePrices(asks, 'buy', undefined, usdt(2002), own)).toEqual([usdt(2002)])
    // An own order the page's book does not show yet counts by its price.
    const unseen = new Map([[usdt(1995), eth(1)]])
    expect(selfTradePrices(bids, 'sell', eth(1), usdt(1990), unseen)).toEqual([usdt(1995)])
  })

  it("collects the user's open orders on the other side, by price", () => {
    const order = (patch: Partial<OrderView>) =>
      ({ market: 'ETH/USDT', status: 'open', side: 'sell', ...patch }) as OrderView
    const orders = [
      order({ price: '2001000000', remaining: eth(1).toString() }),
      order({ price: '2001000000', remaining: eth(0.5).toString() }),
      order({ price: '2005000000', remaining: '0', status: 'filled' }),
      order({ price: '1990000000', remaining: eth(1).toString(), side: 'buy' }),
      order({ price: '2003000000', remaining: eth(1).toString(), market: 'BTC/USDT' }),
    ]
    expect(ownOpposite(orders, 'ETH/USDT', 'buy')).toEqual(new Map([[usdt(2001), eth(1.5)]]))
    expect(ownOpposite(orders, 'ETH/USDT', 'sell')).toEqual(new Map([[usdt(1990), eth(1)]]))
  })
})
