/**
 * Test support: a deliberately naive second implementation of the engine's rules (the open orders
 * of each market side in a map by id, copied and sorted on every use; bigint arithmetic inline).
 * Property tests run random streams through both and require identical events, depth and
 * balances, so the fast engine's data structures are checked against something too simple to be
 * wrong in the same way. The maps only make finding and dropping an order O(1), so that books of
 * 100k levels can be checked too; ordering never depends on them.
 */
import type { EscrowAccounts } from '../ledger/index.ts'
import type { Market } from './markets.ts'
import { hashOrderId, TradeLogHasher } from './tradeLogHasher.ts'
import type {
  CancelAllOrdersParameters,
  CancelOrderParameters,
  CancelReason,
  DepthSnapshot,
  OperationResult,
  OrderEvent,
  OrderSide,
  PlaceOrderParameters,
  RejectReason,
} from './types.ts'

type Resting = PlaceOrderParameters & { remaining: number; time: number }
type Sides = Record<OrderSide, Map<string, Resting>>

/** The naive reference engine (tests only). */
export class ReferenceEngine {
  private readonly orders = new Map<string, Sides>()
  private readonly marketsById = new Map<string, Market>()
  private readonly hasher = new TradeLogHasher()
  private clock = 0

  constructor(
    markets: readonly Market[],
    private readonly escrow: EscrowAccounts,
  ) {
    for (const market of markets) {
      this.marketsById.set(market.id, market)
      this.orders.set(market.id, { buy: new Map(), sell: new Map() })
    }
  }

  place(order: PlaceOrderParameters): OperationResult {
    const market = this.marketsById.get(order.market)
    const invalid = market === undefined ? 'unknown_market' : this.check(order, market)
    if (invalid !== null || market === undefined) {
      return this.reject(order, invalid ?? 'unknown_market')
    }
    const book = this.orders.get(market.id) as Sides
    const crossing = (price: number) =>
      order.side === 'buy' ? price <= order.price : price >= order.price
    const opposite = sorted(book[order.side === 'buy' ? 'sell' : 'buy'].values())
    const crosses = opposite[0] !== undefined && crossing(opposite[0].price)
    if (crosses && order.type === 'post_only') return this.reject(order, 'post_only_would_cross')
    if (!crosses && (order.type === 'ioc' || order.type === 'market')) {
      return this.reject(order, 'no_liquidity')
    }
    if (!this.escrow.lock(order.owner, ...lockOf(market, order.side, order.price, order.lots))) {
      return this.reject(order, 'insufficient_balance')
    }
    const events: OrderEvent[] = [
      {
        type: 'accepted',
        market: market.id,
        orderId: order.orderId,
        owner: order.owner,
        side: order.side,
        orderType: order.type,
        price: order.price,
        lots: order.lots,
      },
    ]
    let remaining = order.lots
    for (const maker of opposite) {
      if (remaining === 0 || !crossing(maker.price)) break
      if (maker.owner === order.owner) {
        this.close(market, maker, 'self_trade_prevention', events)
        continue
      }
      const lots = Math.min(remaining, maker.remaining)
      remaining -= lots
      maker.remaining -= lots
      this.trade(market, maker, order, lots, remaining, events)
      if (maker.remaining === 0) {
        this.drop(market, maker)
        events.push({
          type: 'filled',
          market: market.id,
          orderId: maker.orderId,
          owner: maker.owner,
        })
      }
    }
    this.finish(market, order, remaining, events)
    return { ok: true, events, deltas: [] }
  }

  /** The taker's last event: filled, its `ioc`/`market` remainder cancelled, or rested. */
  private finish(
    market: Market,
    order: PlaceOrderParameters,
    remaining: number,
    events: OrderEvent[],
  ): void {
    const { orderId, owner } = order
    if (remaining === 0) {
      events.push({ type: 'filled', market: market.id, orderId, owner })
    } else if (order.type === 'ioc' || order.type === 'market') {
      this.escrow.unlock(owner, ...lockOf(market, order.side, order.price, remaining))
      events.push({
        type: 'cancelled',
        market: market.id,
        orderId,
        owner,
        remainingLots: remaining,
        reason: 'ioc_remainder',
      })
    } else {
      const sides = this.orders.get(market.id) as Sides
      const { side, type, price, lots } = order
      const time = this.clock++
      sides[side].set(orderId, {
        orderId,
        market: market.id,
        owner,
        side,
        type,
        price,
        lots,
        remaining,
        time,
      })
      events.push({
        type: 'rested',
        market: market.id,
        orderId,
        owner,
        side,
        price,
        lots: remaining,
      })
    }
  }

  cancel(parameters: CancelOrderParameters): OperationResult {
    const found = this.find(parameters.orderId)
    const reason: RejectReason | null =
      found === undefined ? 'unknown_order' : found.owner !== parameters.owner ? 'not_owner' : null
    if (reason !== null || found === undefined) {
      const market = found?.market ?? null
      const { orderId, owner } = parameters
      return rejected('cancel', market, orderId, owner, reason ?? 'unknown_order')
    }
    const events: OrderEvent[] = []
    this.close(this.marketsById.get(found.market) as Market, found, 'user_cancelled', events)
    return { ok: true, events, deltas: [] }
  }

  cancelAll(parameters: CancelAllOrdersParameters): OperationResult {
    const market = this.marketsById.get(parameters.market)
    const reason: RejectReason | null =
      market === undefined ? 'unknown_market' : parameters.owner === '' ? 'invalid_owner' : null
    if (reason !== null || market === undefined) {
      const { market: id, owner } = parameters
      return rejected('cancelAll', id, null, owner, reason ?? 'unknown_market')
    }
    const events: OrderEvent[] = []
    const { buy, sell } = this.orders.get(market.id) as Sides
    const mine = [...buy.values(), ...sell.values()]
      .filter((o) => o.owner === parameters.owner)
      .sort((a, b) => a.time - b.time)
    for (const order of mine) this.close(market, order, 'cancel_all', events)
    return { ok: true, events, deltas: [] }
  }

  /** Depth without sequence numbers (`seq` is always 0 here). */
  depth(marketId: string, levels: number): DepthSnapshot {
    const book = this.orders.get(marketId)
    const aggregate = (side: OrderSide) => {
      const result: { price: number; lots: number; orders: number }[] = []
      for (const order of sorted(book?.[side].values() ?? [])) {
        const last = result[result.length - 1]
        if (last !== undefined && last.price === order.price) {
          last.lots += order.remaining
          last.orders += 1
        } else result.push({ price: order.price, lots: order.remaining, orders: 1 })
      }
      return result.slice(0, levels)
    }
    return { market: marketId, seq: 0, bids: aggregate('buy'), asks: aggregate('sell') }
  }

  tradeLogHash(): string {
    return this.hasher.digest()
  }

  private check(order: PlaceOrderParameters, market: Market): RejectReason | null {
    const isInteger = (value: number) => Number.isSafeInteger(value)
    if (order.orderId === '') return 'invalid_order_id'
    if (order.owner === '') return 'invalid_owner'
    if (!['buy', 'sell'].includes(order.side)) return 'invalid_side'
    if (!['limit', 'ioc', 'post_only', 'market'].includes(order.type)) return 'invalid_order_type'
    if (!isInteger(order.price) || order.price < 1 || order.price > market.maxPriceTicks) {
      return 'invalid_price'
    }
    if (!isInteger(order.lots) || order.lots < 1) return 'invalid_quantity'
    if (order.lots < market.minLots) return 'below_min_size'
    if (order.lots > market.maxLots) return 'above_max_size'
    if (this.find(order.orderId) !== undefined) return 'duplicate_order_id'
    return null
  }

  private trade(
    market: Market,
    maker: Resting,
    taker: PlaceOrderParameters,
    lots: number,
    takerRemaining: number,
    events: OrderEvent[],
  ): void {
    const base = BigInt(lots) * market.lotBaseUnits
    const quote = BigInt(lots) * BigInt(maker.price) * market.tickQuoteUnitsPerLot
    const paidAtLimit = BigInt(lots) * BigInt(taker.price) * market.tickQuoteUnitsPerLot
    const priceImprovement = taker.side === 'buy' ? paidAtLimit - quote : 0n
    const buying = taker.side === 'buy'
    const [buyer, seller] = buying ? [taker.owner, maker.owner] : [maker.owner, taker.owner]
    this.escrow.transferLocked(buyer, seller, market.quote, quote)
    this.escrow.transferLocked(seller, buyer, market.base, base)
    if (priceImprovement > 0n) this.escrow.unlock(taker.owner, market.quote, priceImprovement)
    this.hasher.add(...hashOrderId(maker.orderId), ...hashOrderId(taker.orderId), maker.price, lots)
    events.push({
      type: 'fill',
      market: market.id,
      makerOrderId: maker.orderId,
      takerOrderId: taker.orderId,
      maker: maker.owner,
      taker: taker.owner,
      takerSide: taker.side,
      price: maker.price,
      lots,
      baseAmount: base,
      quoteAmount: quote,
      priceImprovement,
      makerRemainingLots: maker.remaining,
      takerRemainingLots: takerRemaining,
    })
  }

  private close(market: Market, order: Resting, reason: CancelReason, events: OrderEvent[]): void {
    this.escrow.unlock(order.owner, ...lockOf(market, order.side, order.price, order.remaining))
    events.push({
      type: 'cancelled',
      market: market.id,
      orderId: order.orderId,
      owner: order.owner,
      remainingLots: order.remaining,
      reason,
    })
    this.drop(market, order)
  }

  private drop(market: Market, order: Resting): void {
    const sides = this.orders.get(market.id) as Sides
    sides[order.side].delete(order.orderId)
  }

  private find(orderId: string): Resting | undefined {
    for (const book of this.orders.values()) {
      const found = book.buy.get(orderId) ?? book.sell.get(orderId)
      if (found !== undefined) return found
    }
    return undefined
  }

  private reject(order: PlaceOrderParameters, reason: RejectReason): OperationResult {
    return rejected('place', order.market, order.orderId, order.owner, reason)
  }
}

function rejected(
  operation: 'place' | 'cancel' | 'cancelAll',
  market: string | null,
  orderId: string | null,
  owner: string,
  reason: RejectReason,
): OperationResult {
  return {
    ok: false,
    reason,
    deltas: [],
    events: [{ type: 'rejected', operation, market, orderId, owner, reason }],
  }
}

/** Best price first, then oldest first. */
function sorted(orders: Iterable<Resting>): Resting[] {
  return [...orders].sort(byPriority)
}

function byPriority(a: Resting, b: Resting): number {
  if (a.price !== b.price) return a.side === 'buy' ? b.price - a.price : a.price - b.price
  return a.time - b.time
}

function lockOf(
  market: Market,
  side: 'buy' | 'sell',
  price: number,
  lots: number,
): [token: string, amount: bigint] {
  return side === 'buy'
    ? [market.quote, BigInt(lots) * BigInt(price) * market.tickQuoteUnitsPerLot]
    : [market.base, BigInt(lots) * market.lotBaseUnits]
}
