/**
 * Inputs, outputs and reason codes of the matching engine. Prices are in ticks and quantities in
 * lots (safe integers, see `markets.ts`); amounts that move money are bigint base units.
 */

/** The side of an order. */
export type OrderSide = 'buy' | 'sell'

/**
 * - `limit`: good till cancelled; matches what it can, the rest rests at its price.
 * - `ioc`: immediate or cancel; matches what it can at or better than its price, the rest is
 *   cancelled (`ioc_remainder`).
 * - `post_only`: rests without matching; rejected (`post_only_would_cross`) if it would cross.
 * - `market`: an `ioc` whose price is the worst price the owner signed; never rests.
 */
export type OrderType = 'limit' | 'ioc' | 'post_only' | 'market'

/**
 * Why an operation was rejected. A rejected operation changes nothing. Checks run in this order,
 * so the first failing one is reported. Names are stable: never rename a shipped reason.
 *
 * Place: `unknown_market`, `invalid_order_id`, `invalid_owner`, `invalid_side`,
 * `invalid_order_type`, `invalid_price` (not a safe integer in 1..maxPriceTicks),
 * `invalid_quantity` (not a safe integer ≥ 1), `below_min_size`, `above_max_size`,
 * `duplicate_order_id` (an open order has this id), `post_only_would_cross`, `no_liquidity` (an
 * `ioc` or `market` order that nothing on the other side crosses), `insufficient_balance` (the
 * escrow could not lock the order's amount).
 *
 * Cancel: `unknown_order` (no open order has this id), `not_owner`.
 *
 * Cancel all: `unknown_market`, `invalid_owner`.
 */
export type RejectReason =
  | 'unknown_market'
  | 'invalid_order_id'
  | 'invalid_owner'
  | 'invalid_side'
  | 'invalid_order_type'
  | 'invalid_price'
  | 'invalid_quantity'
  | 'below_min_size'
  | 'above_max_size'
  | 'duplicate_order_id'
  | 'post_only_would_cross'
  | 'no_liquidity'
  | 'insufficient_balance'
  | 'unknown_order'
  | 'not_owner'

/**
 * Why an order left the book (or never rested) without being filled.
 * - `user_cancelled`: a cancel by its owner.
 * - `cancel_all`: a cancel-all by its owner.
 * - `self_trade_prevention`: a resting order the same owner's incoming order would have traded
 *   with (policy: cancel the resting order and keep matching).
 * - `ioc_remainder`: the unfilled rest of an `ioc` or `market` order.
 * - `level_size_overflow`: the remainder would push a price level's total past 2^53 − 1 lots.
 */
export type CancelReason =
  | 'user_cancelled'
  | 'cancel_all'
  | 'self_trade_prevention'
  | 'ioc_remainder'
  | 'level_size_overflow'

/** Places an order. The order id comes from the caller (the signed intent it was derived from). */
export type PlaceOrderParameters = {
  /** Unique id of the order; rejected while an open order has the same id. */
  orderId: string
  /** Market id, e.g. `'ETH/USDT'`. */
  market: string
  /** Owner address, already canonical (the engine compares it byte for byte). */
  owner: string
  side: OrderSide
  type: OrderType
  /** Limit price in ticks; for a `market` order, the worst price the owner accepts. */
  price: number
  /** Quantity in lots. */
  lots: number
}

/** Cancels one open order; only its owner may. */
export type CancelOrderParameters = {
  orderId: string
  /** The address that signed the cancel. */
  owner: string
}

/** Cancels every open order of `owner` in `market`, oldest first. */
export type CancelAllOrdersParameters = {
  market: string
  owner: string
}

/** The order passed validation, locked its escrow and is about to match. */
export type OrderAcceptedEvent = {
  type: 'accepted'
  market: string
  orderId: string
  owner: string
  side: OrderSide
  orderType: OrderType
  price: number
  lots: number
}

/**
 * A trade, always at the resting (maker) order's price. A buying taker whose limit was higher gets
 * the difference back from escrow (`priceImprovement`).
 */
export type FillEvent = {
  type: 'fill'
  market: string
  makerOrderId: string
  takerOrderId: string
  maker: string
  taker: string
  takerSide: OrderSide
  /** Execution price in ticks (the maker's price). */
  price: number
  lots: number
  /** `lots × lotBaseUnits` base units moved from the seller to the buyer. */
  baseAmount: bigint
  /** `price × lots × tickQuoteUnitsPerLot` quote units moved from the buyer to the seller. */
  quoteAmount: bigint
  /** Quote units released from a buying taker's lock because the maker's price was better. */
  priceImprovement: bigint
  makerRemainingLots: number
  takerRemainingLots: number
}

/** The rest of an order (after any fills) now rests in the book. */
export type OrderRestedEvent = {
  type: 'rested'
  market: string
  orderId: string
  owner: string
  side: OrderSide
  price: number
  /** Lots resting (the original size minus what filled). */
  lots: number
}

/** An order is completely filled and closed (maker or taker). */
export type OrderFilledEvent = {
  type: 'filled'
  market: string
  orderId: string
  owner: string
}

/** An order closed without filling `remainingLots`; its escrow for them was released. */
export type OrderCancelledEvent = {
  type: 'cancelled'
  market: string
  orderId: string
  owner: string
  remainingLots: number
  reason: CancelReason
}

/** The operation was rejected and changed nothing. */
export type OperationRejectedEvent = {
  type: 'rejected'
  operation: 'place' | 'cancel' | 'cancelAll'
  /** The market as given (place, cancel-all) or as found (cancel); null if unknown. */
  market: string | null
  orderId: string | null
  owner: string
  reason: RejectReason
}

/** Everything the engine reports, in the order it happened. */
export type OrderEvent =
  | OrderAcceptedEvent
  | FillEvent
  | OrderRestedEvent
  | OrderFilledEvent
  | OrderCancelledEvent
  | OperationRejectedEvent

/**
 * A price level's new total after an operation, for market data. `seq` increases by one per delta
 * per market, so a subscriber can detect gaps and resynchronise from `depth()`.
 */
export type BookDelta = {
  market: string
  seq: number
  side: OrderSide
  price: number
  /** Lots resting at this price after the operation; 0 means the level is gone. */
  newTotalLots: number
}

/** What an operation did: its events in order, and the book deltas it caused. */
export type OperationResult =
  | { ok: true; events: readonly OrderEvent[]; deltas: readonly BookDelta[] }
  | {
      ok: false
      reason: RejectReason
      events: readonly OrderEvent[]
      deltas: readonly BookDelta[]
    }

/** One aggregated price level. */
export type DepthLevel = {
  price: number
  lots: number
  orders: number
}

/** Aggregated depth, best price first, as of delta `seq`. */
export type DepthSnapshot = {
  market: string
  seq: number
  bids: DepthLevel[]
  asks: DepthLevel[]
}

/** An open order as the engine sees it. */
export type OpenOrder = {
  orderId: string
  market: string
  owner: string
  side: OrderSide
  orderType: OrderType
  price: number
  /** Lots still open. */
  lots: number
  /** Lots at placement. */
  originalLots: number
}
