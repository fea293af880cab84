import type { Trade } from '../../../../shared/api/index.ts'

/** The candle widths the chart offers. */
export const candleIntervals = {
  '1m': 60_000,
  '5m': 5 * 60_000,
  '1h': 60 * 60_000,
  '1d': 24 * 60 * 60_000,
} as const

export type CandleInterval = keyof typeof candleIntervals

/** One candle: the trades of one interval, at the maker's prices. */
export interface Candle {
  /** Start of the interval, ms since the Unix epoch. */
  readonly start: number
  /** Prices in quote base units per whole base token. */
  readonly open: bigint
  readonly high: bigint
  readonly low: bigint
  readonly close: bigint
  /** Base base units traded in the interval. */
  readonly volume: bigint
  readonly trades: number
  /** `seq` of the interval's last trade. */
  readonly lastSeq: number
}

export interface BuildCandlesParameters {
  /** A market's trades, in any order, duplicates allowed (a page and a stream may overlap). */
  readonly trades: readonly Trade[]
  readonly interval: CandleInterval
  /**
   * The reader's time zone offset at a time (ms to add to UTC): days start at the reader's
   * midnight, and hours at the reader's hour (a zone half an hour off UTC has them there).
   * Default: UTC.
   */
  readonly zoneOffsetMs?: (time: number) => number
}

/**
 * Candles from trades, oldest first, one per interval that had a trade (an interval without
 * one has no candle). Trades are taken in `seq` order, the market's own order, so a candle's
 * open and close are its first and last trades even when several share a batch time. Each
 * trade falls in the interval of its batch time (the same on every replica, so every browser
 * draws the same candles); trades without a time (applied before replicas kept times) are left
 * out.
 */
export function buildCandles(parameters: BuildCandlesParameters): Candle[] {
  const width = candleIntervals[parameters.interval]
  const offsetOf = parameters.zoneOffsetMs ?? (() => 0)
  const bySeq = new Map<number, Trade>()
  for (const trade of parameters.trades) bySeq.set(trade.seq, trade)
  const ordered = [...bySeq.values()].sort((a, b) => a.seq - b.seq)
  const candles: Candle[] = []
  let current: { -readonly [key in keyof Candle]: Candle[key] } | undefined
  for (const trade of ordered) {
    if (trade.time === undefined) continue
    const offset = offsetOf(trade.time)
    const start = Math.floor((trade.time + offset) / width) * width - offset
    const price = BigInt(trade.price)
    const quantity = BigInt(trade.quantity)
    if (current !== undefined && current.start === start) {
      if (price > current.high) current.high = price
      if (price < current.low) current.low = price
      current.close = price
      current.volume += quantity
      current.trades += 1
      current.lastSeq = trade.seq
      continue
    }
    if (current !== undefined) candles.push(current)
    current = {
      start,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: quantity,
      trades: 1,
      lastSeq: trade.seq,
    }
  }
  if (current !== undefined) candles.push(current)
  return candles
}

/** The offset of the browser's time zone at `time`, ms to add to UTC (DST included). */
export function browserZoneOffsetMs(time: number): number {
  return -new Date(time).getTimezoneOffset() * 60_000
}
