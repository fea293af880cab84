import {
  orderFillsMax,
  type OrderFill,
  type OrderView,
  type Trade,
} from '../../../shared/api/index.ts'
import { storedReasonCode } from '../storedReasonCode.ts'
import type { OrdersCursor, OrdersPage } from './replicaStorage.ts'

/*
 * Rows of `orders` and `trades` as both dialects return them (the same snake_case columns) and
 * their API views, so a page reads the same from SQLite and PostgreSQL. Amounts are stored as
 * decimal text, which is what the views carry.
 */

/** A row of `orders`. */
export interface OrderRow {
  order_id: string
  market: string
  owner: string
  side: 'buy' | 'sell'
  type: 'limit' | 'market'
  time_in_force: OrderView['timeInForce']
  price: string
  quantity: string
  filled: string
  remaining: string
  status: 'open' | 'filled' | 'cancelled' | 'rejected'
  reason: string | null
  placed_index: number
  updated_index: number
}

/** A row of `trades`. */
export interface TradeRow {
  market: string
  seq: number
  price: string
  quantity: string
  taker_side: 'buy' | 'sell'
  maker_order_id: string
  taker_order_id: string
  maker: string
  taker: string
  batch_index: number
  time: number | null
}

/** Where the orders page after `rows` (up to `limit + 1` of them) starts; null: none. */
function nextOrdersCursor(rows: readonly OrderRow[], limit: number): OrdersCursor | null {
  const last = rows.slice(0, limit).at(-1)
  if (rows.length <= limit || last === undefined) return null
  return {
    group: last.status === 'open' ? 'open' : 'closed',
    updatedIndex: last.updated_index,
    orderId: last.order_id,
  }
}

/**
 * A page of orders from up to `limit + 1` rows, each with its fills: `fillsOf(row)` gives up to
 * `orderFillsMax + 1` of the order's trades as maker and as taker, newest first each.
 */
export function toOrdersPage(
  rows: readonly OrderRow[],
  limit: number,
  fillsOf: (row: OrderRow) => TradeRow[],
): OrdersPage {
  const orders = rows.slice(0, limit).map((row) => toOrderView(row, fillsOf(row)))
  return { orders, next: nextOrdersCursor(rows, limit) }
}

/** The order's view with its latest `orderFillsMax` fills (of `trades`), oldest first. */
export function toOrderView(row: OrderRow, trades: readonly TradeRow[]): OrderView {
  const found = [...trades].sort((a, b) => b.seq - a.seq)
  const fills = found
    .slice(0, orderFillsMax)
    .reverse()
    .map((trade): OrderFill => ({
      tradeSeq: trade.seq,
      price: trade.price,
      quantity: trade.quantity,
      role: trade.maker_order_id === row.order_id ? 'maker' : 'taker',
      index: trade.batch_index,
      ...(trade.time === null ? {} : { time: trade.time }),
    }))
  const view: OrderView = {
    orderId: row.order_id,
    market: row.market,
    owner: row.owner,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    price: row.price,
    quantity: row.quantity,
    filled: row.filled,
    remaining: row.remaining,
    status: row.status,
    placedIndex: row.placed_index,
    updatedIndex: row.updated_index,
    fills,
    fillsTruncated: found.length > orderFillsMax,
  }
  if (row.reason !== null) view.reason = storedReasonCode(row.reason)
  return view
}

/** A trade's view. */
export function toTrade(row: TradeRow): Trade {
  return {
    market: row.market,
    seq: row.seq,
    price: row.price,
    quantity: row.quantity,
    takerSide: row.taker_side,
    makerOrderId: row.maker_order_id,
    takerOrderId: row.taker_order_id,
    maker: row.maker,
    taker: row.taker,
    index: row.batch_index,
    ...(row.time === null ? {} : { time: row.time }),
  }
}
