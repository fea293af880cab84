/**
 * The deterministic matching engine: per-market price-time priority books with escrow.
 *
 * Semantics (all pinned by tests):
 * - Price-time priority; a trade executes at the resting (maker) order's price, so a taker whose
 *   limit is better gets price improvement (a buyer's excess lock is released on each fill).
 * - Order types `limit` (GTC), `ioc`, `post_only` and `market` (an `ioc` at the owner's signed
 *   worst price); partial fills; minimum and maximum sizes; cancel and cancel-all by the owner.
 * - Self-trade prevention, "cancel resting": when an incoming order meets a resting order of the
 *   same owner, the resting order is cancelled (`self_trade_prevention`) and matching continues.
 *   The book therefore never stays crossed.
 * - Escrow: placing an order locks its whole amount (a buy locks
 *   `price × lots × tickQuoteUnitsPerLot` quote at its limit, a sell locks `lots × lotBaseUnits`
 *   base) before it matches; each fill moves locked funds from each side to the other's available
 *   balance; cancels and `ioc` remainders unlock.
 * - Every operation returns its events in order and the book deltas it caused, each delta with a
 *   per-market sequence number; a rejected operation changes nothing.
 * - Pure and deterministic: no clock, no randomness, no floats for money, no I/O. The same
 *   operations in the same order give the same events, `tradeLogHash()` and `bookHash()`.
 */
import { keccak256, stringToBytes, type Hex } from 'viem'
import type { EscrowAccounts } from '../ledger/index.ts'
import { type BookSide, MarketBook, type PriceLevel, RestingOrder } from './orderBook.ts'
import { baseAmount, MarketConfigError, quoteAmount, type Market } from './markets.ts'
import { hashOrderId, TradeLogHasher } from './tradeLogHasher.ts'
import type {
  BookDelta,
  CancelAllOrdersParameters,
  CancelOrderParameters,
  CancelReason,
  DepthLevel,
  DepthSnapshot,
  OpenOrder,
  OperationResult,
  OrderEvent,
  PlaceOrderParameters,
  RejectReason,
} from './types.ts'
import { BaseError } from '../errors/index.ts'

/** Parameters of {@link createMatchingEngine}. */
export type CreateMatchingEngineParameters = {
  /** The markets to trade, from `defineMarket`; ids must be unique. */
  markets: readonly Market[]
  /**
   * The balances orders lock and fills move. `null` runs the book without any balance (for
   * benchmarks and market-data simulations only): nothing is locked or checked.
   */
  escrow: EscrowAccounts | null
}

/** Raised by queries about a market the engine does not trade (a caller error). */
export class UnknownMarketError extends BaseError {
  override name = 'UnknownMarketError' as const
}

const noDeltas: readonly BookDelta[] = Object.freeze([])
const maxLevelLots = Number.MAX_SAFE_INTEGER

/**
 * Creates a matching engine.
 * @example
 * const engine = createMatchingEngine({ markets: [ethUsdt], escrow: ledger })
 * const result = engine.place({ orderId: '0xab…', market: 'ETH/USDT', owner: '0x12…',
 *   side: 'buy', type: 'limit', price: 200_000, lots: 50 })
 * if (!result.ok) return result.reason // e.g. 'insufficient_balance'
 */
export function createMatchingEngine(parameters: CreateMatchingEngineParameters): MatchingEngine {
  return new MatchingEngine(parameters)
}

/** See the module comment. Create one with {@link createMatchingEngine}. */
export class MatchingEngine {
  private readonly books = new Map<string, MarketBook>()
  /** The last market looked up by `place`: most streams hit one market many times in a row. */
  private lastBook: MarketBook | undefined
  private readonly open = new Map<string, RestingOrder>()
  private readonly escrow: EscrowAccounts | null
  private readonly hasher = new TradeLogHasher()
  /** Counts operations that changed something; tags touched levels. */
  private operation = 0
  /** Levels the current operation changed, `touchedCount` of them (the array is reused). */
  private readonly touched: PriceLevel[] = []
  private touchedCount = 0
  private takerHashLow = -1
  private takerHashHigh = -1

  constructor(parameters: CreateMatchingEngineParameters) {
    for (const market of parameters.markets) {
      if (this.books.has(market.id)) {
        throw new MarketConfigError(`duplicate market id ${JSON.stringify(market.id)}`)
      }
      this.books.set(market.id, new MarketBook(market))
    }
    this.escrow = parameters.escrow
  }

  /**
   * Places an order: validates it, locks its escrow, matches it against the other side and rests,
   * fills or cancels what is left according to its type.
   * @returns `ok: false` with a {@link RejectReason} (and nothing changed), or the events and
   * deltas of the placement.
   */
  place(order: PlaceOrderParameters): OperationResult {
    const last = this.lastBook
    const book =
      last !== undefined && last.market.id === order.market ? last : this.findBook(order.market)
    if (book === undefined) return rejectPlace(order, 'unknown_market')
    const invalid = validateOrder(order, book.market)
    if (invalid !== null) return rejectPlace(order, invalid)
    if (this.open.has(order.orderId)) return rejectPlace(order, 'duplicate_order_id')
    const buy = order.side === 'buy'
    const opposite = buy ? book.asks : book.bids
    const best = opposite.best()
    const crosses =
      best !== undefined && (buy ? best.price <= order.price : best.price >= order.price)
    if (crosses && order.type === 'post_only') return rejectPlace(order, 'post_only_would_cross')
    if (!crosses && (order.type === 'ioc' || order.type === 'market')) {
      return rejectPlace(order, 'no_liquidity')
    }
    if (this.escrow !== null && !this.lockOrder(book.market, order)) {
      return rejectPlace(order, 'insufficient_balance')
    }
    this.operation += 1
    const accepted: OrderEvent = {
      type: 'accepted',
      market: order.market,
      orderId: order.orderId,
      owner: order.owner,
      side: order.side,
      orderType: order.type,
      price: order.price,
      lots: order.lots,
    }
    if (!crosses) {
      // The common passive order: exact-size arrays, no matching.
      const rested = this.finishTaker(book, order, order.lots)
      return { ok: true, events: [accepted, rested], deltas: this.flushDeltas(book) }
    }
    const events: OrderEvent[] = []
    events.push(accepted)
    const remaining = this.match(book, order, opposite, events)
    events.push(this.finishTaker(book, order, remaining))
    return { ok: true, events, deltas: this.flushDeltas(book) }
  }

  /**
   * Cancels an open order. Only its owner may.
   * @returns `unknown_order`, `not_owner`, or a `cancelled` event (`user_cancelled`).
   */
  cancel(parameters: CancelOrderParameters): OperationResult {
    const order = this.open.get(parameters.orderId)
    if (order === undefined) {
      return reject('cancel', null, parameters.orderId, parameters.owner, 'unknown_order')
    }
    if (order.owner !== parameters.owner) {
      const market = order.book.market.id
      return reject('cancel', market, parameters.orderId, parameters.owner, 'not_owner')
    }
    const book = order.book
    this.operation += 1
    const events = [this.close(book, order, 'user_cancelled')]
    return { ok: true, events, deltas: this.flushDeltas(book) }
  }

  /**
   * Cancels every open order of `owner` in `market`, oldest first (`cancel_all`). Having no open
   * orders is not an error.
   */
  cancelAll(parameters: CancelAllOrdersParameters): OperationResult {
    const { market, owner } = parameters
    const book = this.books.get(market)
    if (book === undefined) return reject('cancelAll', market, null, owner, 'unknown_market')
    if (typeof owner !== 'string' || owner.length === 0) {
      return reject('cancelAll', market, null, owner, 'invalid_owner')
    }
    this.operation += 1
    const events: OrderEvent[] = []
    let order = book.owners.get(owner)?.head ?? null
    while (order !== null) {
      const next = order.ownerNext
      events.push(this.close(book, order, 'cancel_all'))
      order = next
    }
    return { ok: true, events, deltas: this.flushDeltas(book) }
  }

  /**
   * Aggregated depth, best price first, with the sequence number of the last delta it includes.
   * @param levels - How many levels per side (≥ 0).
   * @throws {UnknownMarketError} For a market the engine does not trade.
   */
  depth(market: string, levels: number): DepthSnapshot {
    const book = this.requireBook(market)
    if (!Number.isSafeInteger(levels) || levels < 0) throw new RangeError('levels must be ≥ 0')
    return {
      market,
      seq: book.seq,
      bids: topLevels(book.bids, levels),
      asks: topLevels(book.asks, levels),
    }
  }

  /** The open order with this id, if any. */
  order(orderId: string): OpenOrder | undefined {
    const order = this.open.get(orderId)
    return order === undefined ? undefined : toOpenOrder(order)
  }

  /**
   * The open orders of `owner` in `market`, oldest first.
   * @throws {UnknownMarketError} For a market the engine does not trade.
   */
  openOrders(market: string, owner: string): OpenOrder[] {
    const result: OpenOrder[] = []
    let order = this.requireBook(market).owners.get(owner)?.head ?? null
    for (; order !== null; order = order.ownerNext) result.push(toOpenOrder(order))
    return result
  }

  /**
   * Puts an open order read back from storage at the back of its price level and its owner's
   * list, as it rested: no matching, escrow, delta or sequence number. Restoring every open
   * order in time priority rebuilds the books in O(n log n), whatever history made them.
   * Throws on an unknown market, an id already open, or an order that would cross the book.
   */
  restoreOrder(order: OpenOrder): void {
    const book = this.requireBook(order.market)
    if (this.open.has(order.orderId)) throw new RangeError(`order ${order.orderId} is open`)
    const buy = order.side === 'buy'
    const best = (buy ? book.asks : book.bids).best()
    if (best !== undefined && (buy ? best.price <= order.price : best.price >= order.price)) {
      throw new RangeError(`order ${order.orderId} would cross the book`)
    }
    const level = (buy ? book.bids : book.asks).levelAt(order.price)
    const owned = book.ownerOrders(order.owner)
    const resting = new RestingOrder(
      order.orderId,
      order.owner,
      book,
      order.side,
      order.orderType,
      order.price,
      order.lots,
      order.originalLots,
      level,
      owned,
    )
    level.append(resting)
    owned.append(resting)
    this.open.set(order.orderId, resting)
  }

  /** The market-data sequence number of `market`'s last delta. */
  marketSeq(market: string): number {
    return this.requireBook(market).seq
  }

  /** Sets `market`'s market-data sequence number, restoring a book from storage. */
  restoreMarketSeq(market: string, seq: number): void {
    this.requireBook(market).seq = seq
  }

  /** The number of open orders across markets. */
  get openOrderCount(): number {
    return this.open.size
  }

  /** The number of fills so far. */
  get fillCount(): number {
    return this.hasher.fillCount
  }

  /** The markets traded, in configuration order. */
  get markets(): Market[] {
    return [...this.books.values()].map((book) => book.market)
  }

  /**
   * A rolling hash of every fill so far (maker id, taker id, price, lots, in order): 16 hex
   * characters. Equal streams give equal hashes. Not cryptographic; see `tradeLogHasher.ts`.
   */
  tradeLogHash(): string {
    return this.hasher.digest()
  }

  /**
   * keccak256 of a canonical listing of every open order (per market in configuration order,
   * bids then asks, best price first, oldest first). Equal books give equal hashes.
   */
  bookHash(): Hex {
    const lines = ['zellular-orderbook/book/v1']
    for (const book of this.books.values()) {
      lines.push(`market|${book.market.id}`)
      for (const side of [book.bids, book.asks]) {
        for (const level of side.fromBest()) {
          for (let order = level.head; order !== null; order = order.next) {
            lines.push(
              [
                order.side,
                order.price,
                order.id,
                order.owner,
                order.orderType,
                order.lots,
                order.originalLots,
              ].join('|'),
            )
          }
        }
      }
    }
    return keccak256(stringToBytes(lines.join('\n')))
  }

  /** Walks the opposite side from the best level while it crosses; returns the lots left. */
  private match(
    book: MarketBook,
    taker: PlaceOrderParameters,
    opposite: BookSide,
    events: OrderEvent[],
  ): number {
    const buy = taker.side === 'buy'
    const limit = taker.price
    let remaining = taker.lots
    this.takerHashLow = -1
    while (remaining > 0) {
      const level = opposite.best()
      if (level === undefined || (buy ? level.price > limit : level.price < limit)) break
      this.touch(level)
      let maker = level.head
      while (maker !== null && remaining > 0) {
        const next = maker.next
        if (maker.owner === taker.owner) {
          events.push(this.close(book, maker, 'self_trade_prevention'))
        } else remaining = this.fill(book, maker, taker, remaining, events)
        maker = next
      }
    }
    return remaining
  }

  /** One trade between `maker` and the taker at the maker's price; returns the taker's rest. */
  private fill(
    book: MarketBook,
    maker: RestingOrder,
    taker: PlaceOrderParameters,
    remaining: number,
    events: OrderEvent[],
  ): number {
    const market = book.market
    const lots = remaining < maker.lots ? remaining : maker.lots
    const price = maker.price
    maker.lots -= lots
    maker.level.totalLots -= lots
    const base = baseAmount(market, lots)
    const quote = quoteAmount(market, price, lots)
    const priceImprovement =
      taker.side === 'buy' && taker.price > price
        ? quoteAmount(market, taker.price - price, lots)
        : 0n
    if (this.escrow !== null) {
      settleFill(this.escrow, market, maker.owner, taker, base, quote, priceImprovement)
    }
    this.hashFill(maker, taker.orderId, price, lots)
    events.push({
      type: 'fill',
      market: market.id,
      makerOrderId: maker.id,
      takerOrderId: taker.orderId,
      maker: maker.owner,
      taker: taker.owner,
      takerSide: taker.side,
      price,
      lots,
      baseAmount: base,
      quoteAmount: quote,
      priceImprovement,
      makerRemainingLots: maker.lots,
      takerRemainingLots: remaining - lots,
    })
    if (maker.lots === 0) {
      this.unlink(book, maker)
      events.push({ type: 'filled', market: market.id, orderId: maker.id, owner: maker.owner })
    }
    return remaining - lots
  }

  /** After matching, the taker is filled, cancelled (`ioc`, `market`) or rests: its last event. */
  private finishTaker(
    book: MarketBook,
    taker: PlaceOrderParameters,
    remaining: number,
  ): OrderEvent {
    const market = book.market
    if (remaining === 0) {
      return { type: 'filled', market: market.id, orderId: taker.orderId, owner: taker.owner }
    }
    if (taker.type === 'ioc' || taker.type === 'market') {
      return this.cancelRemainder(market, taker, remaining, 'ioc_remainder')
    }
    const level = (taker.side === 'buy' ? book.bids : book.asks).levelAt(taker.price)
    // Unreachable with sane limits (a new level starts at 0), but a total past 2^53 would corrupt
    // every later sum at this price, so the remainder is cancelled instead.
    if (level.totalLots + remaining > maxLevelLots) {
      return this.cancelRemainder(market, taker, remaining, 'level_size_overflow')
    }
    this.rest(book, level, taker, remaining)
    return {
      type: 'rested',
      market: market.id,
      orderId: taker.orderId,
      owner: taker.owner,
      side: taker.side,
      price: taker.price,
      lots: remaining,
    }
  }

  /** Releases the escrow of a taker's unfilled lots and reports them cancelled. */
  private cancelRemainder(
    market: Market,
    taker: PlaceOrderParameters,
    remaining: number,
    reason: CancelReason,
  ): OrderEvent {
    if (this.escrow !== null) {
      this.unlockLots(market, taker.owner, taker.side, taker.price, remaining)
    }
    return {
      type: 'cancelled',
      market: market.id,
      orderId: taker.orderId,
      owner: taker.owner,
      remainingLots: remaining,
      reason,
    }
  }

  private rest(
    book: MarketBook,
    level: PriceLevel,
    taker: PlaceOrderParameters,
    remaining: number,
  ): void {
    const owned = book.ownerOrders(taker.owner)
    const order = new RestingOrder(
      taker.orderId,
      taker.owner,
      book,
      taker.side,
      taker.type,
      taker.price,
      remaining,
      taker.lots,
      level,
      owned,
    )
    level.append(order)
    owned.append(order)
    this.open.set(taker.orderId, order)
    this.touch(level)
  }

  /** Cancels a resting order: releases its escrow and takes it out of the book; its event. */
  private close(book: MarketBook, order: RestingOrder, reason: CancelReason): OrderEvent {
    if (this.escrow !== null) {
      this.unlockLots(book.market, order.owner, order.side, order.price, order.lots)
    }
    this.touch(order.level)
    const event: OrderEvent = {
      type: 'cancelled',
      market: book.market.id,
      orderId: order.id,
      owner: order.owner,
      remainingLots: order.lots,
      reason,
    }
    this.unlink(book, order)
    return event
  }

  /** Removes an order from its level (dropping the level once empty), owner list and index. */
  private unlink(book: MarketBook, order: RestingOrder): void {
    const level = order.level
    level.unlink(order)
    if (level.orderCount === 0) (order.side === 'buy' ? book.bids : book.asks).remove(level)
    order.ownerOrders.unlink(order)
    this.open.delete(order.id)
  }

  private lockOrder(market: Market, order: PlaceOrderParameters): boolean {
    const escrow = this.escrow as EscrowAccounts
    return order.side === 'buy'
      ? escrow.lock(order.owner, market.quote, quoteAmount(market, order.price, order.lots))
      : escrow.lock(order.owner, market.base, baseAmount(market, order.lots))
  }

  private unlockLots(
    market: Market,
    owner: string,
    side: 'buy' | 'sell',
    price: number,
    lots: number,
  ): void {
    const escrow = this.escrow as EscrowAccounts
    if (side === 'buy') escrow.unlock(owner, market.quote, quoteAmount(market, price, lots))
    else escrow.unlock(owner, market.base, baseAmount(market, lots))
  }

  private hashFill(maker: RestingOrder, takerOrderId: string, price: number, lots: number): void {
    if (maker.idHashLow < 0) {
      const [low, high] = hashOrderId(maker.id)
      maker.idHashLow = low
      maker.idHashHigh = high
    }
    if (this.takerHashLow < 0) {
      const [low, high] = hashOrderId(takerOrderId)
      this.takerHashLow = low
      this.takerHashHigh = high
    }
    this.hasher.add(
      maker.idHashLow,
      maker.idHashHigh,
      this.takerHashLow,
      this.takerHashHigh,
      price,
      lots,
    )
  }

  private touch(level: PriceLevel): void {
    if (level.touchedBy !== this.operation) {
      level.touchedBy = this.operation
      this.touched[this.touchedCount++] = level
    }
  }

  /** One delta per level the operation touched, in the order they were first touched. */
  private flushDeltas(book: MarketBook): readonly BookDelta[] {
    const touched = this.touched
    const count = this.touchedCount
    if (count === 0) return noDeltas
    this.touchedCount = 0
    if (count === 1) return [delta(book, touched[0] as PriceLevel)]
    const deltas: BookDelta[] = []
    for (let i = 0; i < count; i++) deltas.push(delta(book, touched[i] as PriceLevel))
    return deltas
  }

  private findBook(market: string): MarketBook | undefined {
    const book = this.books.get(market)
    if (book !== undefined) this.lastBook = book
    return book
  }

  private requireBook(market: string): MarketBook {
    const book = this.books.get(market)
    if (book === undefined) throw new UnknownMarketError(`unknown market ${JSON.stringify(market)}`)
    return book
  }
}

/** The first failing static check of a place, in {@link RejectReason} order, or null. */
function validateOrder(order: PlaceOrderParameters, market: Market): RejectReason | null {
  if (typeof order.orderId !== 'string' || order.orderId.length === 0) return 'invalid_order_id'
  if (typeof order.owner !== 'string' || order.owner.length === 0) return 'invalid_owner'
  if (order.side !== 'buy' && order.side !== 'sell') return 'invalid_side'
  const type = order.type
  if (type !== 'limit' && type !== 'ioc' && type !== 'post_only' && type !== 'market') {
    return 'invalid_order_type'
  }
  const { price, lots } = order
  if (!Number.isSafeInteger(price) || price < 1 || price > market.maxPriceTicks) {
    return 'invalid_price'
  }
  if (!Number.isSafeInteger(lots) || lots < 1) return 'invalid_quantity'
  if (lots < market.minLots) return 'below_min_size'
  if (lots > market.maxLots) return 'above_max_size'
  return null
}

/**
 * Moves a fill's funds between the two lock balances. A buying taker pays the maker's price and
 * gets `priceImprovement` (the rest of its lock for these lots) back to available.
 */
function settleFill(
  escrow: EscrowAccounts,
  market: Market,
  maker: string,
  taker: PlaceOrderParameters,
  base: bigint,
  quote: bigint,
  priceImprovement: bigint,
): void {
  if (taker.side === 'buy') {
    escrow.transferLocked(taker.owner, maker, market.quote, quote)
    if (priceImprovement > 0n) escrow.unlock(taker.owner, market.quote, priceImprovement)
    escrow.transferLocked(maker, taker.owner, market.base, base)
  } else {
    escrow.transferLocked(taker.owner, maker, market.base, base)
    escrow.transferLocked(maker, taker.owner, market.quote, quote)
  }
}

function rejectPlace(order: PlaceOrderParameters, reason: RejectReason): OperationResult {
  return reject('place', order.market, order.orderId, order.owner, reason)
}

function reject(
  operation: 'place' | 'cancel' | 'cancelAll',
  market: string | null,
  orderId: string | null,
  owner: string,
  reason: RejectReason,
): OperationResult {
  return {
    ok: false,
    reason,
    events: [{ type: 'rejected', operation, market, orderId, owner, reason }],
    deltas: noDeltas,
  }
}

/** The next delta of `book`: `level`'s total now. */
function delta(book: MarketBook, level: PriceLevel): BookDelta {
  book.seq += 1
  return {
    market: book.market.id,
    seq: book.seq,
    side: level.side,
    price: level.price,
    newTotalLots: level.totalLots,
  }
}

function topLevels(side: BookSide, count: number): DepthLevel[] {
  const result: DepthLevel[] = []
  if (count === 0) return result
  for (const level of side.fromBest()) {
    result.push({ price: level.price, lots: level.totalLots, orders: level.orderCount })
    if (result.length === count) break
  }
  return result
}

function toOpenOrder(order: RestingOrder): OpenOrder {
  return {
    orderId: order.id,
    market: order.book.market.id,
    owner: order.owner,
    side: order.side,
    orderType: order.orderType,
    price: order.price,
    lots: order.lots,
    originalLots: order.originalLots,
  }
}
