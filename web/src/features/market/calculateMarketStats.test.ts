import { describe, expect, it } from 'vitest'
import type { Trade } from '../../../../shared/api/index.ts'
import { fixtureTrade } from '../../testing/tradeFixture.ts'
import { calculateMarketStats, calculateSpreadBps, formatBps } from './calculateMarketStats.ts'

const hour = 3_600_000
const now = Date.UTC(2026, 11, 3, 12)
const trade = (seq: number, hoursAgo: number, price: number, quantity = 1): Trade =>
  fixtureTrade(seq, {
    price: String(price),
    quantity: String(quantity),
    time: now - hoursAgo * hour,
  })

describe('calculateMarketStats', () => {
  it('measures change, high, low and volume over the last 24 h, from the price at its start', () => {
    const trades = [
      trade(1, 30, 500, 9), // before the window: its price is where the day opened
      trade(2, 20, 1000, 2),
      trade(3, 10, 1300, 3),
      trade(4, 1, 1100, 4),
    ]
    expect(calculateMarketStats({ trades, now, more: true })).toEqual({
      last: 1100n,
      tick: 'down',
      open: 500n,
      change: 600n,
      changeBps: 12_000n,
      high: 1300n,
      low: 1000n,
      volume: 9n,
      partial: false,
    })
  })

  it('opens at the window’s first trade when none is older, and says when older ones exist', () => {
    const trades = [trade(2, 5, 1000), trade(1, 6, 1000), trade(3, 1, 990)]
    const stats = calculateMarketStats({ trades, now, more: true })
    expect(stats).toMatchObject({ open: 1000n, change: -10n, changeBps: -100n, partial: true })
    expect(calculateMarketStats({ trades, now, more: false }).partial).toBe(false)
  })

  it('takes the tick from the last price change, across equal prices', () => {
    const trades = [trade(1, 3, 100), trade(2, 2, 105), trade(3, 1, 105)]
    expect(calculateMarketStats({ trades, now, more: false }).tick).toBe('up')
    expect(calculateMarketStats({ trades: [trade(1, 1, 100)], now, more: false }).tick).toBe('none')
  })

  it('has no change without a trade in the window', () => {
    const stats = calculateMarketStats({ trades: [trade(1, 48, 100)], now, more: false })
    expect(stats).toMatchObject({ last: 100n, change: undefined, high: undefined, volume: 0n })
  })
})

describe('spread', () => {
  it('is a share of the mid price', () => {
    expect(calculateSpreadBps(1990n, 2010n)).toBe(100n)
    expect(calculateSpreadBps(undefined, 2010n)).toBeUndefined()
    expect(formatBps(100n, false)).toBe('1.00 %')
    expect(formatBps(-1234n)).toBe('−12.34 %')
    expect(formatBps(5n)).toBe('+0.05 %')
  })
})
