/**
 * The hot data structures of a market's book (internal to the orderbook module).
 *
 * - `BookSide` keeps its price levels in a B+ tree (`levelTree.ts`) ordered from worst to best:
 *   the best level is O(1) and a level is found, added or removed in O(log n), so a book of any
 *   depth, built in any order (as a restart replays it), stays fast. A book of up to 64 levels per
 *   side is one sorted array, where matching and cancelling at the top are `pop()`/`push()`.
 * - Each `PriceLevel` is a FIFO of `RestingOrder`s in an intrusive doubly linked list, so removing
 *   any order is O(1) once it has been found by id.
 * - Each order is also linked into its owner's list (`OwnerOrders`) for cancel-all, and points at
 *   its level, owner list and `MarketBook`, so closing it needs no lookup but the id index.
 *
 * Prices and quantities are JS safe integers here; nothing on this path allocates a bigint.
 */
import { LevelTree } from './levelTree.ts'
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
  /** Non-empty levels ordered by `key`: worst first, best last. */
  private readonly levels: LevelTree<PriceLevel>
  /** Makes the level of a sort key (made once, so `levelAt` allocates no closure). */
  private readonly createLevel: (key: number) => PriceLevel

  /** @param order - Node size of the level tree; the default suits the engine (tests vary it). */
  constructor(
    readonly side: OrderSide,
    order?: number,
  ) {
    this.levels = new LevelTree(order)
    this.createLevel =
      side === 'buy' ? (key) => new PriceLevel('buy', key) : (key) => new PriceLevel('sell', -key)
  }

  /** The best level, or undefined when the side is empty. */
  best(): PriceLevel | undefined {
    return this.levels.last()
  }

  /** The level at `price`, created (empty, in sorted position) if absent. */
  levelAt(price: number): PriceLevel {
    return this.levels.getOrInsert(this.side === 'buy' ? price : -price, this.createLevel)
  }

  /** Removes an empty level. */
  remove(level: PriceLevel): void {
    this.levels.delete(level.key)
  }

  /** The number of levels. */
  get levelCount(): number {
    return this.levels.size
  }

  /** The levels from the best price to the worst. */
  fromBest(): Generator<PriceLevel, void, undefined> {
    return this.levels.descending()
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
