import type Database from 'better-sqlite3'
import {
  orderFillsMax,
  type OrderFill,
  type OrderView,
  type Trade,
} from '../../../shared/api/index.ts'
import { storedReasonCode } from '../storedReasonCode.ts'
import type { OrdersCursor, OrdersPage, OrdersPageParameters } from './replicaStorage.ts'

/*
 * Pages of orders, fills and trades read from the replica's SQLite tables, each query
 * walking an index for at most a page of rows, so a request costs the (single) apply thread the
 * same whether an address has ten orders or a million. Rows are turned into their API views
 * here: amounts are stored as decimal text, which is what the views carry.
 * `SqliteStorage` answers `ordersPage` and `tradesPage` with them.
 */

interface OrderRow {
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

interface TradeRow {
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

/** Page reads over one database; statements are prepared once. */
export class MarketPages {
  private readonly statements: ReturnType<typeof prepare>

  constructor(sqlite: Database.Database) {
    this.statements = prepare(sqlite)
  }

  /**
   * One page of an owner's orders: open ones, then closed ones, each group most recently updated
   * first (the `orders_owner` index), each order with its latest fills.
   */
  orders(parameters: OrdersPageParameters): OrdersPage {
    const { owner, market, limit, cursor } = parameters
    const rows: OrderRow[] = []
    if (cursor === undefined || cursor.group === 'open') {
      rows.push(...this.group('open', owner, market, cursor, limit + 1))
    }
    if (rows.length <= limit) {
      const after = cursor?.group === 'closed' ? cursor : undefined
      rows.push(...this.group('closed', owner, market, after, limit + 1 - rows.length))
    }
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    const next =
      rows.length > limit && last !== undefined
        ? {
            group: last.status === 'open' ? ('open' as const) : ('closed' as const),
            updatedIndex: last.updated_index,
            orderId: last.order_id,
          }
        : null
    return { orders: page.map((row) => this.toOrderView(row)), next }
  }

  /** One page of a market's trades, newest first, below trade `beforeSeq` when given. */
  trades(market: string, limit: number, beforeSeq: number | undefined): Trade[] {
    const rows = this.statements.trades.all(
      market,
      beforeSeq ?? Number.MAX_SAFE_INTEGER,
      limit,
    ) as TradeRow[]
    return rows.map(toTrade)
  }

  private group(
    group: 'open' | 'closed',
    owner: string,
    market: string | undefined,
    after: OrdersCursor | undefined,
    limit: number,
  ): OrderRow[] {
    const statement = this.statements[group]
    const index = after?.updatedIndex ?? Number.MAX_SAFE_INTEGER
    const orderId = after?.orderId ?? ''
    return statement.all({ owner, market: market ?? null, index, orderId, limit }) as OrderRow[]
  }

  /**
   * The order's latest `orderFillsMax` fills, oldest first. An order's trades are in one market,
   * where rowid order is trade order, so each side's index gives its newest rows first without a
   * sort over all of them.
   */
  private toOrderView(row: OrderRow): OrderView {
    const { makerFills, takerFills } = this.statements
    const found = [
      ...(makerFills.all(row.order_id, orderFillsMax + 1) as TradeRow[]),
      ...(takerFills.all(row.order_id, orderFillsMax + 1) as TradeRow[]),
    ].sort((a, b) => b.seq - a.seq)
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
}

function toTrade(row: TradeRow): Trade {
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

function prepare(sqlite: Database.Database) {
  // After the cursor: (updated_index, order_id) below the cursor's, in descending order.
  const orders = (status: string) =>
    sqlite.prepare(
      `SELECT * FROM orders WHERE owner = @owner AND ${status} ` +
        'AND (@market IS NULL OR market = @market) ' +
        'AND (updated_index < @index OR (updated_index = @index AND order_id < @orderId)) ' +
        'ORDER BY updated_index DESC, order_id DESC LIMIT @limit',
    )
  return {
    open: orders("status = 'open'"),
    closed: orders("status <> 'open'"),
    makerFills: sqlite.prepare(
      'SELECT * FROM trades WHERE maker_order_id = ? ORDER BY rowid DESC LIMIT ?',
    ),
    takerFills: sqlite.prepare(
      'SELECT * FROM trades WHERE taker_order_id = ? ORDER BY rowid DESC LIMIT ?',
    ),
    trades: sqlite.prepare(
      'SELECT * FROM trades WHERE market = ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    ),
  }
}
