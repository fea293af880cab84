import type { BookEvent, OrderbookResponse } from '../../../shared/api/index.ts'

/** One side's levels: price (quote base units per whole base) → total quantity (base units). */
export type BookLevels = ReadonlyMap<bigint, bigint>

/** A market's book as the client holds it, at delta `seq`. */
export interface OrderbookState {
  readonly market: string
  readonly seq: number
  readonly bids: BookLevels
  readonly asks: BookLevels
}

/** The book of a `GET /orderbook` snapshot. */
export function orderbookFromSnapshot(snapshot: OrderbookResponse): OrderbookState {
  const toLevels = (levels: OrderbookResponse['bids']) =>
    new Map(levels.map((level) => [BigInt(level.price), BigInt(level.quantity)] as const))
  return {
    market: snapshot.market,
    seq: snapshot.seq,
    bids: toLevels(snapshot.bids),
    asks: toLevels(snapshot.asks),
  }
}

/** What applying one delta did. */
export type ApplyBookDeltaReturnType =
  | { readonly kind: 'applied'; readonly state: OrderbookState }
  /** A delta at or below the book's `seq`: already in the snapshot, ignore it. */
  | { readonly kind: 'old' }
  /** `seq` skipped ahead: a delta was missed, so the book must be fetched again. */
  | { readonly kind: 'gap'; readonly expected: number; readonly received: number }

/**
 * Applies one SSE `book` delta (a level's new total; "0" removes it). Deltas must arrive with
 * `seq` exactly one above the book's; anything else is old (ignored) or a gap (resync).
 */
export function applyBookDelta(state: OrderbookState, delta: BookEvent): ApplyBookDeltaReturnType {
  if (delta.market !== state.market || delta.seq <= state.seq) return { kind: 'old' }
  if (delta.seq !== state.seq + 1) {
    return { kind: 'gap', expected: state.seq + 1, received: delta.seq }
  }
  const side = delta.side === 'buy' ? 'bids' : 'asks'
  const levels = new Map(state[side])
  const price = BigInt(delta.price)
  const quantity = BigInt(delta.quantity)
  if (quantity === 0n) levels.delete(price)
  else levels.set(price, quantity)
  return { kind: 'applied', state: { ...state, seq: delta.seq, [side]: levels } }
}

/** A display row of the book. */
export interface BookRow {
  readonly price: bigint
  readonly quantity: bigint
  /** Running total from the best price outwards. */
  readonly total: bigint
}

/**
 * Levels grouped into buckets of `step` (quote base units), best first, at most `depth` rows.
 * Bids round down and asks round up, so a grouped row never shows a better price than exists.
 */
export function groupLevels(
  levels: BookLevels,
  side: 'bids' | 'asks',
  step: bigint,
  depth: number,
): BookRow[] {
  const buckets = new Map<bigint, bigint>()
  for (const [price, quantity] of levels) {
    const floor = price - (price % step)
    const bucket = side === 'bids' || floor === price ? floor : floor + step
    buckets.set(bucket, (buckets.get(bucket) ?? 0n) + quantity)
  }
  const prices = [...buckets.keys()].sort((a, b) =>
    side === 'bids' ? (a > b ? -1 : a < b ? 1 : 0) : a < b ? -1 : a > b ? 1 : 0,
  )
  const rows: BookRow[] = []
  let total = 0n
  for (const price of prices.slice(0, depth)) {
    const quantity = buckets.get(price)!
    total += quantity
    rows.push({ price, quantity, total })
  }
  return rows
}

/** Best bid and ask, if any. */
export function bestPrices(state: OrderbookState | undefined): { bid?: bigint; ask?: bigint } {
  if (state === undefined) return {}
  let bid: bigint | undefined
  let ask: bigint | undefined
  for (const price of state.bids.keys()) if (bid === undefined || price > bid) bid = price
  for (const price of state.asks.keys()) if (ask === undefined || price < ask) ask = price
  return { ...(bid === undefined ? {} : { bid }), ...(ask === undefined ? {} : { ask }) }
}
