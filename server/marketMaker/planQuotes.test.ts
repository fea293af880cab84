import { describe, expect, it } from 'vitest'
import type { MarketInfo } from '../../shared/api/index.ts'
import { devnetMarkets } from '../../shared/orderbook/index.ts'
import { createRandom, driftPrice } from './driftPrice.ts'
import {
  buildQuoteLadder,
  planQuotes,
  toQuoteMarket,
  type OpenQuote,
  type QuoteConfig,
} from './planQuotes.ts'

/** ETH/USDT as the devnet lists it: price step 0.01 USDT, lot 0.001 ETH, at least 0.01 ETH. */
const eth = toQuoteMarket(devnetMarkets[0] as MarketInfo)
const usdt = (whole: number) => BigInt(Math.round(whole * 100)) * 10_000n
const config: QuoteConfig = {
  levels: 3,
  halfSpreadBps: 5,
  levelStepBps: 10,
  levelNotional: usdt(2000),
  actionsMax: 20,
}
const mid = usdt(2000)

describe('toQuoteMarket', () => {
  it('reads the amounts of the definition as bigint', () => {
    expect(eth).toEqual({
      baseDecimals: 18,
      tickQuoteUnitsPerBaseToken: 10_000n,
      lotBaseUnits: 10n ** 15n,
      minQuantityBaseUnits: 10n ** 16n,
      maxQuantityBaseUnits: 10n ** 24n,
      maxPriceQuoteUnitsPerBaseToken: 10n ** 14n,
    })
  })
})

describe('buildQuoteLadder', () => {
  it('puts bids below and asks above the mid, on the price step, sized by value', () => {
    const ladder = buildQuoteLadder(eth, mid, config)
    expect(ladder.map(({ side, price }) => `${side} ${price / 10_000n}`)).toEqual([
      // 5, 15 and 25 bps from 2,000.00, in hundredths of a USDT.
      'buy 199900',
      'sell 200100',
      'buy 199700',
      'sell 200300',
      'buy 199500',
      'sell 200500',
    ])
    for (const quote of ladder) {
      expect(quote.price % eth.tickQuoteUnitsPerBaseToken).toBe(0n)
      expect(quote.quantity % eth.lotBaseUnits).toBe(0n)
    }
    // Level i holds (i + 1) × 2,000 USDT: 1.000 ETH at 1,999 rounds down to 1.000 ETH.
    expect(ladder[0]!.quantity).toBe(10n ** 18n)
    expect(ladder[4]!.quantity).toBe(3_007n * 10n ** 15n)
  })

  it('keeps a bid strictly below and an ask strictly above the mid at a zero spread', () => {
    const ladder = buildQuoteLadder(eth, mid, { ...config, levels: 1, halfSpreadBps: 0 })
    expect(ladder.map(({ price }) => price)).toEqual([
      mid - eth.tickQuoteUnitsPerBaseToken,
      mid + eth.tickQuoteUnitsPerBaseToken,
    ])
  })

  it('never quotes below the minimum size or outside the market', () => {
    const small = buildQuoteLadder(eth, mid, { ...config, levelNotional: 1n })
    expect(small.every(({ quantity }) => quantity === eth.minQuantityBaseUnits)).toBe(true)
    const tooHigh = buildQuoteLadder({ ...eth, maxPriceQuoteUnitsPerBaseToken: mid }, mid, config)
    expect(tooHigh.every(({ side }) => side === 'buy')).toBe(true)
  })
})

describe('planQuotes', () => {
  const fill = (quotes: readonly { side: 'buy' | 'sell'; price: bigint }[]): OpenQuote[] =>
    quotes.map((quote, position) => ({ orderId: `0x${position}`, ...quote }))

  it('places the whole ladder when nothing is open', () => {
    const plan = planQuotes({ market: eth, mid, open: [], config })
    expect(plan.cancel).toEqual([])
    expect(plan.place).toEqual(buildQuoteLadder(eth, mid, config))
  })

  it('keeps quotes that still fit and does nothing while the mid stays put', () => {
    const open = fill(buildQuoteLadder(eth, mid, config))
    expect(planQuotes({ market: eth, mid, open, config })).toEqual({ cancel: [], place: [] })
    // A move of a quarter level step keeps every quote.
    const nudged = mid + (mid * 25n) / 100_000n
    expect(planQuotes({ market: eth, mid: nudged, open, config })).toEqual({
      cancel: [],
      place: [],
    })
  })

  it('replaces only the quotes the drifting mid left behind', () => {
    const open = fill(buildQuoteLadder(eth, mid, config))
    // Up 60 % of a level step: each old quote lies near the next level up, except the
    // outermost bid (too deep now) and the innermost ask (now too close); the new innermost
    // bid and outermost ask are missing.
    const moved = mid + (mid * 60n) / 100_000n
    const plan = planQuotes({ market: eth, mid: moved, open, config })
    const wanted = buildQuoteLadder(eth, moved, config)
    expect(plan.cancel).toEqual(['0x1', '0x4'])
    expect(plan.place).toEqual([wanted[0], wanted[5]])
  })

  it('cancels quotes the mid crossed and a second quote on one level', () => {
    const ladder = buildQuoteLadder(eth, mid, config)
    const open = fill([...ladder, ladder[0]!, { side: 'sell', price: mid - usdt(1) }])
    const plan = planQuotes({ market: eth, mid, open, config })
    expect(plan.cancel).toEqual(['0x6', '0x7'])
    expect(plan.place).toEqual([])
  })

  it('never asks for more than actionsMax intents or 2 × levels open orders', () => {
    const far = Array.from({ length: 30 }, (_, i) => ({ side: 'buy' as const, price: usdt(i + 1) }))
    const plan = planQuotes({
      market: eth,
      mid,
      open: fill(far),
      config: { ...config, actionsMax: 8 },
    })
    expect(plan.cancel).toHaveLength(8)
    expect(plan.place).toEqual([])
    const some = planQuotes({ market: eth, mid, open: [], config: { ...config, actionsMax: 4 } })
    expect(some.place).toHaveLength(4)
    const kept = fill(buildQuoteLadder(eth, mid, config).slice(0, 5))
    const rest = planQuotes({ market: eth, mid, open: kept, config })
    expect(rest.place).toHaveLength(1)
  })
})

describe('driftPrice', () => {
  it('is the same walk for the same seed and stays near its anchor', () => {
    const walk = (seed: number) => {
      const random = createRandom(seed)
      const prices = [mid]
      for (let step = 0; step < 20_000; step += 1) {
        prices.push(driftPrice(prices.at(-1)!, mid, { stepBps: 8, reversionBps: 40 }, random))
      }
      return prices
    }
    const first = walk(7)
    expect(walk(7)).toEqual(first)
    expect(walk(8)).not.toEqual(first)
    expect(new Set(first).size).toBeGreaterThan(1000)
    const outside = first.filter(
      (price) => price < (mid * 95n) / 100n || price > (mid * 105n) / 100n,
    )
    expect(outside).toEqual([])
  })
})
