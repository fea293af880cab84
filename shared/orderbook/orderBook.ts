/**
 * The hot data structures of a market's book (internal to the orderbook module).
 *
 * - `BookSide.levels` keeps the price levels sorted from worst to best, so the best level is the
 *   last element: matching and cancelling at the top of the book are `pop()`/`push()`, and a new
 *   level is found by binary search.
 * - Each `PriceLevel` is a FIFO of `RestingOrder`s in an intrusive doubly linked list, so removing
 *   any order is O(1) once it has been found by id.
 * - Each order is also linked into its owner's list (`OwnerOrders`) for cancel-all, and points at
 *   its level, owner list and `MarketBook`, so closing it needs no lookup but the id index.
 *
 * Prices and quantities are JS safe integers here; nothing on this path allocates a bigint.
 */
import type { Market } from './markets.ts'
import type { OrderSide, OrderType } from './types.ts'

/** An order resting in a price level. */
export class RestingOrder {
  prev: RestingOrder | null = null
  next: RestingOrder | null = null
  ownerPrev: RestingOrder | null = null
  ownerNext: RestingOrder | null = null
  /** Two 32-bit lanes of the id's hash, computed on the first fill (-1 until then). */
  idHashLow = -1
  idHashHigh = -1

  constructor(
    readonly id: string,
    readonly owner: string,
    readonly book: MarketBook,
    readonly side: OrderSide,
    readonly orderType: OrderType,
    readonly price: number,
    /** Lots still open. */
    public lots: number,
    readonly originalLots: number,
    readonly level: PriceLevel,
    readonly ownerOrders: OwnerOrders,
  ) {}
}

/** All open orders at one price on one side, oldest first. */
export class PriceLevel {
  head: RestingOrder | null = null
  tail: RestingOrder | null = null
  totalLots = 0
  orderCount = 0
  /** The engine operation that last changed this level (to emit one delta per level per op). */
  touchedBy = 0
  /** Sort key: higher is better (the price for bids, minus the price for asks). */
  readonly key: number

  constructor(
    readonly side: OrderSide,
    readonly price: number,
  ) {
    this.key = side === 'buy' ? price : -price
  }

  /** Appends `order` at the back of the queue. */
  append(order: RestingOrder): void {
    order.prev = this.tail
    order.next = null
    if (this.tail === null) this.head = order
    else this.tail.next = order
    this.tail = order
    this.totalLots += order.lots
    this.orderCount += 1
  }

  /** Unlinks `order` (which must be in this level) and subtracts its open lots. */
  unlink(order: RestingOrder): void {
    if (order.prev === null) this.head = order.next
    else order.prev.next = order.next
    if (order.next === null) this.tail = order.prev
    else order.next.prev = order.prev
    order.prev = null
    order.next = null
    this.totalLots -= order.lots
    this.orderCount -= 1
  }
}

/** The open orders of one owner in one market, oldest first. */
export class OwnerOrders {
  head: RestingOrder | null = null
  tail: RestingOrder | null = null
  count = 0

  append(order: RestingOrder): void {
    order.ownerPrev = this.tail
    order.ownerNext = null
    if (this.tail === null) this.head = order
    else this.tail.ownerNext = order
    this.tail = order
    this.count += 1
  }

  unlink(order: RestingOrder): void {
    if (order.ownerPrev === null) this.head = order.ownerNext
    else order.ownerPrev.ownerNext = order.ownerNext
    if (order.ownerNext === null) this.tail = order.ownerPrev
    else order.ownerNext.ownerPrev = order.ownerPrev
    order.ownerPrev = null
    order.ownerNext = null
    this.count -= 1
  }
}

/** One side (bids or asks) of one market. */
export class BookSide {
  /** Non-empty levels sorted by `key` ascending: worst first, best last. */
  readonly levels: PriceLevel[] = []

  constructor(readonly side: OrderSide) {}

  /** The best level, or undefined when the side is empty. */
  best(): PriceLevel | undefined {
    return this.levels[this.levels.length - 1]
  }

  /**
   * The level at `price`, created (empty, in sorted position) if absent. A binary search over the
   * sorted levels is cheaper than a hash map here because levels come and go all the time.
   */
  levelAt(price: number): PriceLevel {
    const levels = this.levels
    const key = this.side === 'buy' ? price : -price
    const index = this.indexOfKey(key)
    const found = levels[index]
    if (found !== undefined && found.key === key) return found
    const level = new PriceLevel(this.side, price)
    levels.push(level)
    // Shift the better levels up by one; new levels are usually near the top, so this is short.
    for (let i = levels.length - 1; i > index; i--) levels[i] = levels[i - 1] as PriceLevel
    levels[index] = level
    return level
  }

  /** Removes an empty level. */
  remove(level: PriceLevel): void {
    const levels = this.levels
    const last = levels.length - 1
    if (levels[last] === level) {
      levels.pop()
      return
    }
    const index = this.indexOfKey(level.key)
    for (let i = index; i < last; i++) levels[i] = levels[i + 1] as PriceLevel
    levels.pop()
  }

  /** The first index whose level key is ≥ `key` (binary search). */
  private indexOfKey(key: number): number {
    const levels = this.levels
    let low = 0
    let high = levels.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if ((levels[middle] as PriceLevel).key < key) low = middle + 1
      else high = middle
    }
    return low
  }
}

/** Both sides and the owner lists of one market, and its market-data sequence number. */
export class MarketBook {
  readonly bids = new BookSide('buy')
  readonly asks = new BookSide('sell')
  readonly owners = new Map<string, OwnerOrders>()
  /** Sequence number of the last delta emitted for this market. */
  seq = 0

  constructor(readonly market: Market) {}

  /** The owner's list, created empty if absent. */
  ownerOrders(owner: string): OwnerOrders {
    let owned = this.owners.get(owner)
    if (owned === undefined) {
      owned = new OwnerOrders()
      this.owners.set(owner, owned)
    }
    return owned
  }
}
