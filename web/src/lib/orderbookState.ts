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

/**
 * The book a sync keeps up to date: its levels change in place, so a delta costs what it
 * changes, not a copy of the book (`copyBook` makes the view's immutable copy, once per
 * publication).
 */
export interface WorkingBook {
  readonly market: string
  seq: number
  readonly bids: Map<bigint, bigint>
  readonly asks: Map<bigint, bigint>
  /**
   * Per side, the worst price up to which the side is known whole, when it is not known whole
   * (a snapshot cut at its depth, levels dropped past `bookLevelsMax`): a level beyond it may be
   * missing, and comes into the best ones when those before it go (`knownLevels`).
   */
  readonly horizon: { bids: bigint | undefined; asks: bigint | undefined }
}

/**
 * Most levels kept per side. A snapshot holds the best 200; deltas add levels anywhere, and a
 * replica streaming made-up prices would add one per delta. Past this, the worst levels go
 * (down to `bookLevelsKept`, so that sorting them is rare): a delta carries a level's new total,
 * so a level dropped and changed later comes back right; what is lost is only what a snapshot
 * of the best levels never had either.
 */
export const bookLevelsMax = 1000
const bookLevelsKept = 800

/**
 * The book of a `GET /orderbook` snapshot asked for `depth` levels a side (a side with that many
 * may have been cut), its best `bookLevelsMax` levels per side.
 */
export function orderbookFromSnapshot(
  snapshot: OrderbookResponse,
  depth = Number.POSITIVE_INFINITY,
): WorkingBook {
  const book: WorkingBook = {
    market: snapshot.market,
    seq: snapshot.seq,
    bids: new Map(),
    asks: new Map(),
    horizon: { bids: undefined, asks: undefined },
  }
  for (const side of ['bids', 'asks'] as const) {
    const levels = snapshot[side]
    for (const level of levels) book[side].set(BigInt(level.price), BigInt(level.quantity))
    if (levels.length >= depth && levels.length > 0) {
      book.horizon[side] = bestFirst([...book[side].keys()], side).at(-1)
    }
    trimLevels(book, side)
  }
  return book
}

/** How many levels of `side` are known for sure: those up to its horizon (all without one). */
export function knownLevels(book: WorkingBook, side: 'bids' | 'asks'): number {
  const horizon = book.horizon[side]
  if (horizon === undefined) return book[side].size
  let known = 0
  for (const price of book[side].keys()) {
    if (side === 'bids' ? price >= horizon : price <= horizon) known += 1
  }
  return known
}

/** What applying one delta did. */
export type ApplyBookDeltaReturnType =
  | { readonly kind: 'applied' }
  /** A delta at or below the book's `seq`: already in the snapshot, ignore it. */
  | { readonly kind: 'old' }
  /** `seq` skipped ahead: a delta was missed, so the book must be fetched again. */
  | { readonly kind: 'gap'; readonly expected: number; readonly received: number }

/**
 * Applies one SSE `book` delta (a level's new total; "0" removes it) to `book`, in place.
 * Deltas must arrive with `seq` exactly one above the book's; anything else is old (ignored) or
 * a gap (resync), and changes nothing. A new level beyond `bookLevelsMax` drops the worst.
 */
export function applyBookDelta(book: WorkingBook, delta: BookEvent): ApplyBookDeltaReturnType {
  if (delta.market !== book.market || delta.seq <= book.seq) return { kind: 'old' }
  if (delta.seq !== book.seq + 1) {
    return { kind: 'gap', expected: book.seq + 1, received: delta.seq }
  }
  const side = delta.side === 'buy' ? 'bids' : 'asks'
  const levels = book[side]
  const price = BigInt(delta.price)
  const quantity = BigInt(delta.quantity)
  if (quantity === 0n) levels.delete(price)
  else levels.set(price, quantity)
  trimLevels(book, side)
  book.seq = delta.seq
  return { kind: 'applied' }
}

/** An immutable copy of `book`, for a view: the working book keeps changing. */
export function copyBook(book: WorkingBook): OrderbookState {
  return { market: book.market, seq: book.seq, bids: new Map(book.bids), asks: new Map(book.asks) }
}

/**
 * Drops the worst levels of a side beyond `bookLevelsMax`, down to `bookLevelsKept`; the side is
 * then known whole only up to the worst level kept.
 */
function trimLevels(book: WorkingBook, side: 'bids' | 'asks'): void {
  const levels = book[side]
  if (levels.size <= bookLevelsMax) return
  const prices = bestFirst([...levels.keys()], side)
  for (const price of prices.slice(bookLevelsKept)) levels.delete(price)
  // Known whole up to the worst level kept, or less far when it already was.
  const worstKept = prices[bookLevelsKept - 1]!
  const horizon = book.horizon[side] ?? worstKept
  const nearer = side === 'bids' ? horizon > worstKept : horizon < worstKept
  book.horizon[side] = nearer ? horizon : worstKept
}

/** `prices` of `side` sorted in place, best first (bids highest, asks lowest); returned. */
export function bestFirst(prices: bigint[], side: 'bids' | 'asks'): bigint[] {
  return prices.sort((a, b) =>
    side === 'bids' ? (a > b ? -1 : a < b ? 1 : 0) : a < b ? -1 : a > b ? 1 : 0,
  )
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
  const prices = bestFirst([...buckets.keys()], side)
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
