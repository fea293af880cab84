import type Database from 'better-sqlite3'
import { orderFillsMax, type OrderView, type Trade } from '../../../shared/api/index.ts'
import { toOrdersPage, toOrderView, toTrade, type OrderRow, type TradeRow } from './pageRows.ts'
import type { OrdersCursor, OrdersPage, OrdersPageParameters } from './replicaStorage.ts'

/*
 * Pages of orders, fills and trades read from the replica's SQLite tables, each query walking an
 * index for at most a page of rows, so a request costs the (single) apply thread the same
 * whether an address has ten orders or a million. `SqliteStorage` answers `ordersPage`, `order` and
 * `tradesPage` with them; SQLite's one connection reads between commits, so every page is of
 * one committed position.
 */

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
    return toOrdersPage(rows, limit, (row) => this.fills(row.order_id))
  }

  /** One order with its latest fills; undefined when there is no such row. */
  order(orderId: string): OrderView | undefined {
    const row = this.statements.order.get(orderId) as OrderRow | undefined
    return row === undefined ? undefined : toOrderView(row, this.fills(orderId))
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
   * The order's newest fills as maker and as taker. An order's trades are in one market, where
   * rowid order is trade order, so each side's index gives its newest rows first without a sort
   * over all of them.
   */
  private fills(orderId: string): TradeRow[] {
    const { makerFills, takerFills } = this.statements
    return [
      ...(makerFills.all(orderId, orderFillsMax + 1) as TradeRow[]),
      ...(takerFills.all(orderId, orderFillsMax + 1) as TradeRow[]),
    ]
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
    order: sqlite.prepare('SELECT * FROM orders WHERE order_id = ?'),
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
