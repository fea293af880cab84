import { z } from 'zod'
import { orderFieldsSchema } from '../intents/index.ts'
import {
  baseUnitsSchema,
  batchTimeSchema,
  canonicalAddressSchema,
  hash32Schema,
  reasonCodeSchema,
} from './intents.ts'
import { orderProofSchema, orderProofsSchema } from './proofs.ts'

/*
 * Market data. Every price is in quote-token base units per ONE WHOLE base token (the unit of
 * the signed `price` field, e.g. 2000.5 USDT/ETH is "2000500000"); every quantity in base-token
 * base units (1 ETH is "1000000000000000000"). Use the decimals of `GET /markets` to display.
 */

/** One token the replica knows. */
export const tokenInfoSchema = z.object({
  symbol: z.string(),
  decimals: z.number().int().nonnegative(),
})

/**
 * One tradable market and the grid its orders must sit on: the project's one market definition
 * (the operator's configuration, the replica registry's `markets`, `GET /markets`). Each amount
 * names its unit; the matching engine's view in ticks and lots is derived from it by
 * `toEngineMarket` (`shared/orderbook`).
 */
export const marketInfoSchema = z.object({
  /** `BASE/QUOTE`, e.g. `ETH/USDT`. */
  id: z.string(),
  base: z.string(),
  quote: z.string(),
  baseDecimals: z.number().int().nonnegative(),
  quoteDecimals: z.number().int().nonnegative(),
  /** Price step, in quote base units per whole base token; a price must be a multiple. */
  tickQuoteUnitsPerBaseToken: baseUnitsSchema,
  /** Quantity step, in base base units; a quantity must be a multiple. */
  lotBaseUnits: baseUnitsSchema,
  /** Smallest order quantity, base base units. */
  minQuantityBaseUnits: baseUnitsSchema,
  /** Largest order quantity, base base units. */
  maxQuantityBaseUnits: baseUnitsSchema,
  /** Highest price, quote base units per whole base token. */
  maxPriceQuoteUnitsPerBaseToken: baseUnitsSchema,
})

export type MarketInfo = z.infer<typeof marketInfoSchema>

/** `GET /markets`. */
export const marketsResponseSchema = z.object({
  markets: z.array(marketInfoSchema),
  tokens: z.array(tokenInfoSchema),
})

export type MarketsResponse = z.infer<typeof marketsResponseSchema>

/** One aggregated price level. */
export const bookLevelSchema = z.object({
  price: baseUnitsSchema,
  /** Total open quantity at this price. */
  quantity: baseUnitsSchema,
  /** Number of open orders at this price. */
  orders: z.number().int().positive(),
})

export type BookLevel = z.infer<typeof bookLevelSchema>

/**
 * `GET /orderbook?market&depth`: levels best first, as of book delta `seq` of this market and
 * applied batch `index`. Apply SSE `book` deltas with a higher `seq` on top; a gap in `seq`
 * means a missed delta: fetch this snapshot again.
 */
export const orderbookResponseSchema = z.object({
  market: z.string(),
  seq: z.number().int().nonnegative(),
  index: z.number().int().nonnegative(),
  bids: z.array(bookLevelSchema),
  asks: z.array(bookLevelSchema),
})

export type OrderbookResponse = z.infer<typeof orderbookResponseSchema>

export const orderSideSchema = z.enum(['buy', 'sell'])

/**
 * - `open`: resting in the book (possibly partly filled);
 * - `filled`: completely filled;
 * - `cancelled`: closed with a remainder (`reason`: `user_cancelled`, `cancel_all`,
 *   `self_trade_prevention`, `ioc_remainder`, `level_size_overflow`);
 * - `rejected`: never placed (`reason`: e.g. `insufficient_balance`, `price_not_on_tick`).
 */
export const orderStatusSchema = z.enum(['open', 'filled', 'cancelled', 'rejected'])

export type OrderStatus = z.infer<typeof orderStatusSchema>

/** One fill of an order, from that order's point of view. */
export const orderFillSchema = z.object({
  /** Per-market trade number (see `tradeSchema.seq`). */
  tradeSeq: z.number().int().positive(),
  price: baseUnitsSchema,
  quantity: baseUnitsSchema,
  role: z.enum(['maker', 'taker']),
  index: z.number().int().positive(),
  /** The trade's batch time (`batchTimeSchema`); absent for trades from before times were kept. */
  time: batchTimeSchema.optional(),
})

export type OrderFill = z.infer<typeof orderFillSchema>

/** An order and where it stands. Its id is the intent id of the order intent. */
export const orderViewSchema = z.object({
  orderId: hash32Schema,
  market: z.string(),
  owner: canonicalAddressSchema,
  side: orderSideSchema,
  type: z.enum(['limit', 'market']),
  timeInForce: orderFieldsSchema.shape.timeInForce,
  price: baseUnitsSchema,
  quantity: baseUnitsSchema,
  filled: baseUnitsSchema,
  /** Still open in the book; "0" unless `status` is `open`. */
  remaining: baseUnitsSchema,
  status: orderStatusSchema,
  reason: reasonCodeSchema.optional(),
  /** Batch index at which the order was placed, and at which it last changed. */
  placedIndex: z.number().int().positive(),
  updatedIndex: z.number().int().positive(),
  /** The order's most recent fills, oldest first: at most `orderFillsMax` of them. */
  fills: z.array(orderFillSchema),
  /** The order has older fills than those listed (see `GET /trades` for the market's tape). */
  fillsTruncated: z.boolean(),
})

export type OrderView = z.infer<typeof orderViewSchema>

/** Most fills listed per order in `GET /orders`. */
export const orderFillsMax = 50

/**
 * `GET /orders?address[&market][&limit][&cursor]`: one page of an address's orders, open ones
 * first, then closed ones, each group most recently updated first. `next` is the cursor of the
 * following page, null on the last. The list is live: an order that changes between two pages
 * moves to the front and may be listed twice or not at all by one walk through the pages.
 */
export const ordersResponseSchema = z.object({
  address: canonicalAddressSchema,
  index: z.number().int().nonnegative(),
  orders: z.array(orderViewSchema),
  next: z.string().nullable(),
  /** With `proof=1`: the state proofs of the page's open orders at the latest state hash. */
  proofs: orderProofsSchema.optional(),
})

/**
 * `GET /order/:id[?proof=1]`: one order with its latest fills, as `GET /orders` lists it, read
 * at applied index `index` or later. With `proof=1`, `proof` is the order's state leaf at the
 * replica's latest state hash (`value` null: not open there) with its proof, which a client
 * checks against the state hash a quorum signed at `proof.index` (`judgeOrderProof`), not
 * against `order`, which may be newer. 404 `order_not_found` for an order not held here.
 */
export const orderResponseSchema = z.object({
  index: z.number().int().nonnegative(),
  order: orderViewSchema,
  proof: orderProofSchema.optional(),
})

export type OrderResponse = z.infer<typeof orderResponseSchema>

export type OrdersResponse = z.infer<typeof ordersResponseSchema>

/** One trade, at the maker's price. `seq` counts the market's trades from 1. */
export const tradeSchema = z.object({
  market: z.string(),
  seq: z.number().int().positive(),
  price: baseUnitsSchema,
  quantity: baseUnitsSchema,
  takerSide: orderSideSchema,
  makerOrderId: hash32Schema,
  takerOrderId: hash32Schema,
  maker: canonicalAddressSchema,
  taker: canonicalAddressSchema,
  index: z.number().int().positive(),
  /**
   * The batch time (`batchTimeSchema`) of the trade; absent only for trades a replica applied
   * before it kept batch times.
   */
  time: batchTimeSchema.optional(),
})

export type Trade = z.infer<typeof tradeSchema>

/**
 * `GET /trades?market[&limit][&cursor]`: one page of a market's trades, newest first; `next` is
 * the cursor of the following (older) page, null on the last.
 */
export const tradesResponseSchema = z.object({
  market: z.string(),
  trades: z.array(tradeSchema),
  next: z.string().nullable(),
})

export type TradesResponse = z.infer<typeof tradesResponseSchema>
