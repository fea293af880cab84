import { describe, expect, it } from 'vitest'
import type { Candle } from './buildCandles.ts'
import { planCandleDraw } from './planCandleDraw.ts'

const candle = (start: number, close: bigint, trades = 1): Candle => ({
  start,
  open: 100n,
  high: close > 100n ? close : 100n,
  low: close < 100n ? close : 100n,
  close,
  volume: BigInt(trades),
  trades,
  lastSeq: start / 60_000 + trades,
})

const shown = [candle(0, 100n), candle(60_000, 101n), candle(120_000, 102n)]

describe('planCandleDraw', () => {
  it('updates the last candle a trade changed, and the candles a trade starts', () => {
    const changed = [...shown.slice(0, 2), candle(120_000, 103n, 2)]
    expect(planCandleDraw(shown, changed)).toEqual({ kind: 'update', from: 2 })
    const started = [...shown, candle(180_000, 99n)]
    expect(planCandleDraw(shown, started)).toEqual({ kind: 'update', from: 3 })
    expect(planCandleDraw(shown, [...changed, candle(180_000, 99n)])).toEqual({
      kind: 'update',
      from: 2,
    })
  })

  it('draws nothing when nothing changed', () => {
    expect(
      planCandleDraw(
        shown,
        shown.map((item) => ({ ...item })),
      ),
    ).toEqual({ kind: 'none' })
    expect(planCandleDraw([], [])).toEqual({ kind: 'none' })
  })

  it('draws anew when an older candle changed, candles went, or a backlog came', () => {
    const older = [candle(0, 100n), candle(60_000, 98n), candle(120_000, 102n)]
    expect(planCandleDraw(shown, older)).toEqual({ kind: 'set' })
    expect(planCandleDraw(shown, shown.slice(1))).toEqual({ kind: 'set' })
    expect(planCandleDraw(shown, [])).toEqual({ kind: 'set' })
    expect(planCandleDraw([], shown)).toEqual({ kind: 'set' })
    // The last shown candle's slot now holds another interval (history shifted by a candle).
    const shifted = [shown[0]!, shown[1]!, candle(180_000, 102n)]
    expect(planCandleDraw(shown, shifted)).toEqual({ kind: 'set' })
    const backlog = [
      ...shown,
      ...Array.from({ length: 9 }, (_, i) => candle(180_000 + i * 60_000, 100n)),
    ]
    expect(planCandleDraw(shown, backlog)).toEqual({ kind: 'set' })
  })
})
