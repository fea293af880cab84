import type { Trade } from '../../../../shared/api/index.ts'

/** A day, the window of the header's change, high, low and volume. */
const statsWindowMs = 24 * 60 * 60_000

export interface MarketStats {
  /** The latest trade's price (quote base units per whole base token). */
  readonly last: bigint | undefined
  /** Which way the price last moved: the latest trade against the last different price. */
  readonly tick: 'up' | 'down' | 'none'
  /** The price 24 h ago (the last trade before the window, else its first trade). */
  readonly open: bigint | undefined
  readonly change: bigint | undefined
  /** The change in basis points of `open` (1 % = 100), rounded toward zero. */
  readonly changeBps: bigint | undefined
  readonly high: bigint | undefined
  readonly low: bigint | undefined
  /** Base base units traded in the window. */
  readonly volume: bigint
  /** The trades known do not reach back to the window's start: figures may be short of it. */
  readonly partial: boolean
}

export interface CalculateMarketStatsParameters {
  /** A market's trades in any order, duplicates allowed. */
  readonly trades: readonly Trade[]
  /** End of the window, ms since the Unix epoch (the latest batch time known, or the clock). */
  readonly now: number
  /** Older trades exist than those given (the page was not the last). */
  readonly more: boolean
}

/**
 * The header's figures from a market's recent trades: last price and its tick direction, and
 * over the last 24 h (by batch time) the change from the price at the window's start, high, low
 * and volume. Trades without a time count for the last price only.
 */
export function calculateMarketStats(parameters: CalculateMarketStatsParameters): MarketStats {
  const bySeq = new Map<number, Trade>()
  for (const trade of parameters.trades) bySeq.set(trade.seq, trade)
  const ordered = [...bySeq.values()].sort((a, b) => a.seq - b.seq)
  const latest = ordered.at(-1)
  const last = latest === undefined ? undefined : BigInt(latest.price)

  let tick: MarketStats['tick'] = 'none'
  for (let position = ordered.length - 2; position >= 0 && last !== undefined; position--) {
    const price = BigInt(ordered[position]!.price)
    if (price !== last) {
      tick = last > price ? 'up' : 'down'
      break
    }
  }

  const start = parameters.now - statsWindowMs
  let before: Trade | undefined
  let high: bigint | undefined
  let low: bigint | undefined
  let first: Trade | undefined
  let volume = 0n
  for (const trade of ordered) {
    if (trade.time === undefined || trade.time > parameters.now) continue
    if (trade.time <= start) {
      before = trade
      continue
    }
    first ??= trade
    const price = BigInt(trade.price)
    if (high === undefined || price > high) high = price
    if (low === undefined || price < low) low = price
    volume += BigInt(trade.quantity)
  }
  const openTrade = before ?? first
  const open = openTrade === undefined ? undefined : BigInt(openTrade.price)
  const inWindow = first !== undefined
  const change = inWindow && open !== undefined && last !== undefined ? last - open : undefined
  const changeBps =
    change !== undefined && open !== undefined && open > 0n ? (change * 10_000n) / open : undefined
  return {
    last,
    tick,
    open: inWindow ? open : undefined,
    change,
    changeBps,
    high,
    low,
    volume,
    partial: parameters.more && before === undefined,
  }
}

/**
 * The spread as basis points of the mid price ((ask − bid) / mid), rounded toward zero;
 * undefined unless both sides have a level.
 */
export function calculateSpreadBps(
  bid: bigint | undefined,
  ask: bigint | undefined,
): bigint | undefined {
  if (bid === undefined || ask === undefined) return undefined
  const mid = (bid + ask) / 2n
  if (mid <= 0n) return undefined
  return ((ask - bid) * 10_000n) / mid
}

/** Basis points as a percent with two decimals and a sign: 123n → "+1.23 %". */
export function formatBps(bps: bigint, signed = true): string {
  const negative = bps < 0n
  const magnitude = negative ? -bps : bps
  const text = `${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')} %`
  return `${negative ? '−' : signed && bps > 0n ? '+' : ''}${text}`
}
