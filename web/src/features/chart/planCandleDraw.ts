import type { Candle } from './buildCandles.ts'

/**
 * Most candles a draw passes one by one to the library's `update`: past that (a backlog after a
 * reconnection), `setData` once is cheaper.
 */
const updatesMax = 8

/** How the canvas goes from the candles it shows to the next ones. */
export type CandleDraw =
  | { readonly kind: 'none' }
  /** `update` with each candle from `from` on: the last one shown changed, new ones follow. */
  | { readonly kind: 'update'; readonly from: number }
  /** `setData` with all of them. */
  | { readonly kind: 'set' }

function sameCandle(a: Candle, b: Candle): boolean {
  return (
    a.start === b.start &&
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.trades === b.trades &&
    a.lastSeq === b.lastSeq
  )
}

/**
 * A trade changes the last candle or starts a new one. lightweight-charts takes that as an
 * `update` of its last bar (or one more bar), which redraws without processing the series
 * again, as `setData` does with every candle. Anything else (an older candle changed, candles
 * gone: a new page of history, another market or interval) is drawn anew.
 */
export function planCandleDraw(shown: readonly Candle[], next: readonly Candle[]): CandleDraw {
  if (shown.length === 0 || next.length < shown.length) {
    return next.length === 0 && shown.length === 0 ? { kind: 'none' } : { kind: 'set' }
  }
  const last = shown.length - 1
  for (let index = 0; index < last; index += 1) {
    if (!sameCandle(shown[index]!, next[index]!)) return { kind: 'set' }
  }
  if (shown[last]!.start !== next[last]!.start) return { kind: 'set' }
  const from = sameCandle(shown[last]!, next[last]!) ? shown.length : last
  if (from === next.length) return { kind: 'none' }
  return next.length - from > updatesMax ? { kind: 'set' } : { kind: 'update', from }
}
