import { describe, expect, it } from 'vitest'
import type { Trade } from '../../../../shared/api/index.ts'
import { fixtureTrade } from '../../testing/tradeFixture.ts'
import { buildCandles } from './buildCandles.ts'

const t0 = Date.UTC(2026, 11, 3, 10, 0, 0)
const trade = (seq: number, time: number | undefined, price: number, quantity = 1n): Trade =>
  fixtureTrade(seq, {
    price: String(price),
    quantity: String(quantity),
    ...(time === undefined ? {} : { time }),
  })

describe('buildCandles', () => {
  it('groups trades by interval: open, high, low, close and volume, oldest first', () => {
    const trades = [
      trade(4, t0 + 61_000, 105, 4n),
      trade(1, t0 + 1_000, 100, 1n),
      trade(3, t0 + 59_999, 97, 3n),
      trade(2, t0 + 30_000, 110, 2n),
    ]
    expect(buildCandles({ trades, interval: '1m' })).toEqual([
      {
        start: t0,
        open: 100n,
        high: 110n,
        low: 97n,
        close: 97n,
        volume: 6n,
        trades: 3,
        lastSeq: 3,
      },
      {
        start: t0 + 60_000,
        open: 105n,
        high: 105n,
        low: 105n,
        close: 105n,
        volume: 4n,
        trades: 1,
        lastSeq: 4,
      },
    ])
    const hour = buildCandles({ trades, interval: '1h' })
    expect(hour).toHaveLength(1)
    expect(hour[0]).toMatchObject({ start: t0, open: 100n, close: 105n, volume: 10n })
  })

  it('orders trades of one batch time by seq, and counts a trade seen twice once', () => {
    const trades = [trade(2, t0, 200), trade(1, t0, 100), trade(2, t0, 200)]
    expect(buildCandles({ trades, interval: '5m' })).toMatchObject([
      { open: 100n, close: 200n, volume: 2n, trades: 2 },
    ])
  })

  it('leaves out trades without a time and intervals without trades', () => {
    const trades = [trade(1, undefined, 1), trade(2, t0, 100), trade(3, t0 + 10 * 60_000, 90)]
    expect(buildCandles({ trades, interval: '5m' }).map((candle) => candle.start)).toEqual([
      t0,
      t0 + 10 * 60_000,
    ])
    expect(buildCandles({ trades: [], interval: '1d' })).toEqual([])
  })

  it('starts days at the reader’s midnight', () => {
    // 23:30 UTC on Dec 2 and 00:30 UTC on Dec 3: two UTC days, one day in New York (UTC−5).
    const trades = [
      trade(1, Date.UTC(2026, 11, 2, 23, 30), 100),
      trade(2, Date.UTC(2026, 11, 3, 0, 30), 101),
    ]
    expect(buildCandles({ trades, interval: '1d' })).toHaveLength(2)
    const newYork = buildCandles({ trades, interval: '1d', zoneOffsetMs: () => -5 * 3_600_000 })
    expect(newYork).toHaveLength(1)
    expect(newYork[0]?.start).toBe(Date.UTC(2026, 11, 2, 5, 0))
  })
})
