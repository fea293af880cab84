import { describe, expect, test } from 'vitest'
import type { MarketInfo } from '../api/index.ts'
import {
  baseAmount,
  defineMarket,
  devnetMarkets,
  ethUsdt,
  MarketConfigError,
  orderLockAmount,
  quoteAmount,
  toEngineMarket,
  type MarketConfig,
} from './markets.ts'
import { BaseError } from '../errors/index.ts'
import { toOrderType, toOrderUnits } from './toOrderUnits.ts'

const config: MarketConfig = {
  id: 'ETH/USDT',
  base: 'ETH',
  quote: 'USDT',
  baseDecimals: 18,
  quoteDecimals: 6,
  tickQuoteUnitsPerLot: 10n,
  lotBaseUnits: 10n ** 15n,
  minLots: 10,
}

describe('defineMarket', () => {
  test('fills defaults and derives the price increment per whole base token', () => {
    const market = defineMarket(config)
    expect(market).toMatchObject({
      maxLots: 1e12,
      maxPriceTicks: 1e12,
      tickQuoteUnitsPerBaseToken: 10_000n,
    })
    expect(Object.isFrozen(market)).toBe(true)
  })

  test.each<[string, Partial<MarketConfig>]>([
    ['id is empty', { id: '' }],
    ['base equals quote', { quote: 'ETH' }],
    ['tickQuoteUnitsPerLot must be > 0', { tickQuoteUnitsPerLot: 0n }],
    ['lotBaseUnits must be > 0', { lotBaseUnits: -1n }],
    ['minLots must be a safe integer ≥ 1', { minLots: 0 }],
    ['maxLots < minLots', { maxLots: 5 }],
    ['maxPriceTicks must be a safe integer ≥ 1', { maxPriceTicks: 1.5 }],
    ['decimals must be integers in 0..77', { baseDecimals: -1 }],
    [
      'must be a multiple of lotBaseUnits',
      { tickQuoteUnitsPerLot: 1n, lotBaseUnits: 3n, baseDecimals: 0 },
    ],
  ])('refuses a config where %s', (problem, change) => {
    expect(() => defineMarket({ ...config, ...change })).toThrow(MarketConfigError)
    expect(() => defineMarket({ ...config, ...change })).toThrow(problem)
  })
})

describe('toEngineMarket', () => {
  const [ethUsdtInfo, btcUsdtInfo] = devnetMarkets as [MarketInfo, MarketInfo]

  test('ETH/USDT: 0.01 USDT per ETH is 10 USDT base units per lot of 0.001 ETH', () => {
    expect(toEngineMarket(ethUsdtInfo)).toEqual({
      id: 'ETH/USDT',
      base: 'ETH',
      quote: 'USDT',
      baseDecimals: 18,
      quoteDecimals: 6,
      tickQuoteUnitsPerLot: 10n,
      tickQuoteUnitsPerLotNumber: 10,
      tickQuoteUnitsPerBaseToken: 10_000n,
      lotBaseUnits: 10n ** 15n,
      minLots: 10,
      maxLots: 1_000_000_000,
      maxPriceTicks: 10_000_000_000,
    })
    expect(ethUsdt).toEqual(toEngineMarket(ethUsdtInfo))
  })

  test('BTC/USDT: 0.01 USDT per BTC is 1 USDT base unit per lot of 0.0001 BTC', () => {
    expect(toEngineMarket(btcUsdtInfo)).toMatchObject({
      tickQuoteUnitsPerLot: 1n,
      tickQuoteUnitsPerBaseToken: 10_000n,
      lotBaseUnits: 10_000n,
      minLots: 1,
      maxLots: 100_000_000,
      maxPriceTicks: 10_000_000_000,
    })
  })

  test('the price step per whole base token comes back from the engine view unchanged', () => {
    for (const info of devnetMarkets) {
      const market = toEngineMarket(info)
      expect(market.tickQuoteUnitsPerBaseToken.toString()).toBe(info.tickQuoteUnitsPerBaseToken)
      expect(market.lotBaseUnits.toString()).toBe(info.lotBaseUnits)
    }
  })

  test.each<[string, Partial<MarketInfo>]>([
    ['id must be BASE/QUOTE', { id: 'ETH-USDT' }],
    ['steps must be > 0', { lotBaseUnits: '0' }],
    ['not a base-unit amount: 1e4', { tickQuoteUnitsPerBaseToken: '1e4' }],
    [
      'tickQuoteUnitsPerBaseToken × lotBaseUnits must be a multiple of 10^baseDecimals',
      { tickQuoteUnitsPerBaseToken: '1' },
    ],
    ['minQuantityBaseUnits must be a multiple', { minQuantityBaseUnits: '1000000000000001' }],
    ['maxPriceQuoteUnitsPerBaseToken must be a multiple', { maxPriceQuoteUnitsPerBaseToken: '1' }],
  ])('refuses a definition where %s, in a BaseError', (problem, change) => {
    const define = () => toEngineMarket({ ...ethUsdtInfo, ...change })
    expect(define).toThrow(MarketConfigError)
    expect(define).toThrow(BaseError)
    expect(define).toThrow(problem)
  })
})

describe('amounts are exact integers', () => {
  test('ETH/USDT: 1 ETH (1,000 lots) at 2,000.00 USDT (200,000 ticks)', () => {
    expect(baseAmount(ethUsdt, 1_000)).toBe(10n ** 18n)
    expect(quoteAmount(ethUsdt, 200_000, 1_000)).toBe(2_000_000000n)
    expect(orderLockAmount(ethUsdt, 'buy', 200_000, 1_000)).toEqual({
      token: 'USDT',
      amount: 2_000_000000n,
    })
    expect(orderLockAmount(ethUsdt, 'sell', 200_000, 1_000)).toEqual({
      token: 'ETH',
      amount: 10n ** 18n,
    })
  })

  test('products past 2^53 stay exact', () => {
    const price = 10_000_000_000
    const lots = 1_000_000_000
    expect(quoteAmount(ethUsdt, price, lots)).toBe(BigInt(price) * BigInt(lots) * 10n)
    const wide = defineMarket({
      ...config,
      tickQuoteUnitsPerLot: 2n ** 60n,
      lotBaseUnits: 2n ** 60n,
    })
    expect(quoteAmount(wide, 3, 5)).toBe(15n * 2n ** 60n)
    const mid = defineMarket({
      ...config,
      tickQuoteUnitsPerLot: 2n ** 40n,
      lotBaseUnits: 2n ** 40n,
    })
    expect(quoteAmount(mid, 2 ** 10, 2 ** 5)).toBe(2n ** 55n)
  })
})

describe('toOrderUnits', () => {
  test('maps signed amounts onto ticks and lots', () => {
    expect(toOrderUnits(ethUsdt, 2_000_000000n, 10n ** 18n)).toEqual({
      ok: true,
      price: 200_000,
      lots: 1_000,
    })
    expect(toOrderUnits(ethUsdt, 10_000n, 10n ** 15n)).toEqual({ ok: true, price: 1, lots: 1 })
  })

  test.each<[string, bigint, bigint]>([
    ['invalid_price', 0n, 10n ** 18n],
    ['invalid_quantity', 10_000n, -1n],
    ['price_not_on_tick', 2_000_005000n, 10n ** 18n],
    ['quantity_not_on_lot', 2_000_000000n, 10n ** 15n + 1n],
    ['invalid_price', 10_000n * 2n ** 60n, 10n ** 15n],
    ['invalid_quantity', 10_000n, 10n ** 15n * 2n ** 60n],
  ])('%s for price %s, quantity %s', (reason, price, quantity) => {
    expect(toOrderUnits(ethUsdt, price, quantity)).toEqual({ ok: false, reason })
  })

  test('maps wire type and time in force onto engine order types', () => {
    expect(toOrderType('limit', 'GTC')).toBe('limit')
    expect(toOrderType('limit', 'IOC')).toBe('ioc')
    expect(toOrderType('limit', 'POST_ONLY')).toBe('post_only')
    expect(toOrderType('market', 'IOC')).toBe('market')
  })
})
