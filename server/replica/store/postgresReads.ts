import pg from 'pg'
import { orderFillsMax, type OrderView, type Trade } from '../../../shared/api/index.ts'
import type { Divergence } from '../divergenceWatch.ts'
import { divergenceKey, parseDivergence } from './divergenceRecord.ts'
import { bytesToHex, hexToBytes } from './hexBytes.ts'
import { toOrdersPage, toOrderView, toTrade, type OrderRow, type TradeRow } from './pageRows.ts'
import type {
  AppliedPosition,
  OrdersPage,
  OrdersPageParameters,
  StoredReceipt,
} from './replicaStorage.ts'

/*
 * The read queries of a replica's PostgreSQL database, over a pool of connections that never
 * write: what an API process answers from (`apiReplica.ts`), beside the applier that writes the
 * same database. Each query that reads several rows reads them from one snapshot, so under
 * PostgreSQL's MVCC every answer is of one committed position.
 */

/** BIGINT (oid 20) as a JavaScript number: indexes, sequence numbers and times stay below 2^53. */
export const bigintAsNumber = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (text: string) => Number(text)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
}

/** One aggregated price level of a book, in API units (decimal strings). */
interface StoredBookLevel {
  readonly price: string
  readonly quantity: string
  readonly orders: number
}

/** A market's book as stored at one applied index. */
export interface StoredBook {
  /** The market's book sequence number at `index`. */
  readonly seq: number
  readonly index: number
  readonly bids: StoredBookLevel[]
  readonly asks: StoredBookLevel[]
}

/** A balance with the position it is of, read in one snapshot. */
export interface StoredBalance {
  readonly available: bigint
  readonly locked: bigint
  readonly index: number
  /** Zellular's chaining hash of `index`; undefined when the database never kept it. */
  readonly chainingHash: string | undefined
}

/** The read queries; `openPostgresReads` makes one with a pool of its own. */
export class PostgresReads {
  constructor(private readonly pool: pg.Pool) {}

  async metaValue(key: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ value: string }>(
      'SELECT value FROM meta WHERE key = $1',
      [key],
    )
    return rows[0]?.value
  }

  /** The divergence the applier recorded (`divergenceRecord.ts`), if any. */
  async divergence(): Promise<Divergence | undefined> {
    return parseDivergence(await this.metaValue(divergenceKey))
  }

  async position(client: pg.Pool | pg.PoolClient = this.pool): Promise<AppliedPosition> {
    const { rows } = await client.query<{ key: string; value: string }>(
      "SELECT key, value FROM meta WHERE key LIKE 'applied%'",
    )
    const meta = new Map(rows.map(({ key, value }) => [key, value]))
    const index = Number(meta.get('applied_index') ?? '0')
    const finalized = meta.get('applied_finalized_index')
    return {
      index,
      chainingHash: meta.get('applied_chaining_hash') ?? '',
      time: Number(meta.get('applied_time') ?? '0'),
      finalizedIndex: index === 0 ? 0 : finalized === undefined ? undefined : Number(finalized),
    }
  }

  /** Below which batch history is pruned (0: none), as the last commit stored it. */
  async historyPrunedBelow(): Promise<number> {
    return Number((await this.metaValue('history_pruned_below')) ?? '0')
  }

  async balanceAt(
    address: string,
    token: string,
    index: number,
    client: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<{ available: bigint; locked: bigint } | { prunedBelow: number }> {
    // The pruned mark and the row in one statement, so of one snapshot (`pruneBalanceHistory`).
    const { rows } = await client.query<{
      pruned: number | null
      available: string | null
      locked: string | null
    }>(
      "SELECT (SELECT value::bigint FROM meta WHERE key = 'balance_history_pruned_below') AS " +
        'pruned, h.available, h.locked FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT ' +
        'available, locked FROM balance_history WHERE address = $1 AND token = $2 AND ' +
        'batch_index <= $3 ORDER BY batch_index DESC LIMIT 1) h ON true',
      [hexToBytes(address), token, index],
    )
    const row = rows[0]!
    if (row.pruned !== null && index < row.pruned) return { prunedBelow: row.pruned }
    return { available: BigInt(row.available ?? '0'), locked: BigInt(row.locked ?? '0') }
  }

  async chainingHashAt(
    index: number,
    client: pg.Pool | pg.PoolClient = this.pool,
  ): Promise<string | undefined> {
    const { rows } = await client.query<{ chaining_hash: string }>(
      'SELECT chaining_hash FROM chaining_hashes WHERE batch_index = $1',
      [index],
    )
    return rows[0]?.chaining_hash
  }

  /**
   * The balances of `address` in `tokens` as of `index` (default: the applied index), with the
   * position they are of, in one statement (so from one snapshot: a commit landing meanwhile
   * changes nothing) and one round trip. Undefined balances when `index` is above the applied
   * index (`appliedIndex` says where it stands) or below the pruned balance history
   * (`prunedBelow`, see `PostgresStorage.balanceAt`).
   */
  async balancesAt(
    address: string,
    tokens: readonly string[],
    index: number | undefined,
  ): Promise<{ balances: StoredBalance[] } | { appliedIndex: number } | { prunedBelow: number }> {
    const { rows } = await this.pool.query<{
      applied: number
      pruned: number | null
      at: number
      chaining_hash: string | null
      available: string | null
      locked: string | null
    }>(
      'WITH p AS (SELECT ' +
        "(SELECT value::bigint FROM meta WHERE key = 'applied_index') AS applied, " +
        "(SELECT value FROM meta WHERE key = 'applied_chaining_hash') AS hash, " +
        "(SELECT value::bigint FROM meta WHERE key = 'balance_history_pruned_below') AS pruned), " +
        'a AS (SELECT applied, pruned, COALESCE($3::bigint, applied) AS at, hash FROM p) ' +
        'SELECT a.applied, a.pruned, a.at, CASE WHEN a.at = a.applied THEN a.hash ELSE ' +
        '(SELECT chaining_hash FROM chaining_hashes WHERE batch_index = a.at) END AS chaining_hash, ' +
        'b.available, b.locked FROM a CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS t(token, n) ' +
        'LEFT JOIN LATERAL (SELECT available, locked FROM balance_history h ' +
        'WHERE h.address = $1 AND h.token = t.token AND h.batch_index <= a.at ' +
        'ORDER BY h.batch_index DESC LIMIT 1) b ON true ORDER BY t.n',
      [hexToBytes(address), tokens, index ?? null],
    )
    const first = rows[0]
    if (first === undefined) return { balances: [] }
    if (first.at > first.applied) return { appliedIndex: first.applied }
    if (first.pruned !== null && first.at < first.pruned) {
      return { prunedBelow: first.pruned }
    }
    const balances = rows.map((row) => ({
      available: BigInt(row.available ?? '0'),
      locked: BigInt(row.locked ?? '0'),
      index: row.at,
      chainingHash: row.chaining_hash ?? undefined,
    }))
    return { balances }
  }

  async receipt(intentId: string): Promise<StoredReceipt | undefined> {
    const { rows } = await this.pool.query<{
      intent_id: Buffer
      action: string
      signer: Buffer
      status: 'applied' | 'rejected'
      reason: string | null
      batch_index: number
      time: number | null
    }>(
      'SELECT r.intent_id, r.action, r.signer, r.status, r.reason, r.batch_index, c.time ' +
        'FROM receipts r LEFT JOIN chaining_hashes c ON c.batch_index = r.batch_index ' +
        'WHERE r.intent_id = $1',
      [hexToBytes(intentId)],
    )
    const row = rows[0]
    if (row === undefined) return undefined
    return {
      intentId: bytesToHex(row.intent_id),
      action: row.action,
      signer: bytesToHex(row.signer),
      status: row.status,
      reason: row.reason,
      batchIndex: row.batch_index,
      time: row.time,
    }
  }

  /** A page of an owner's orders, all from one snapshot (see `ReplicaStorage.ordersPage`). */
  ordersPage(parameters: OrdersPageParameters): Promise<OrdersPage> {
    return this.snapshot((client) => this.ordersPageIn(client, parameters))
  }

  /** `ordersPage` with the applied index it is of, from the same snapshot. */
  ordersPageAt(parameters: OrdersPageParameters): Promise<OrdersPage & { index: number }> {
    return this.snapshot(async (client) => {
      const { index } = await this.position(client)
      return { ...(await this.ordersPageIn(client, parameters)), index }
    })
  }

  private async ordersPageIn(
    client: pg.PoolClient,
    parameters: OrdersPageParameters,
  ): Promise<OrdersPage> {
    const { owner, market, limit, cursor } = parameters
    const rows: OrderRow[] = []
    const group = async (open: boolean, after: typeof cursor, count: number) => {
      // After the cursor: (updated_index, order_id) below the cursor's, in descending order;
      // order ids compare as bytes ("C"), as SQLite compares them, whatever the collation.
      const found = await client.query<OrderRow>(
        `SELECT * FROM orders WHERE owner = $1 AND status ${open ? '=' : '<>'} 'open' ` +
          'AND ($2::text IS NULL OR market = $2) ' +
          'AND (updated_index < $3 OR (updated_index = $3 AND order_id COLLATE "C" < $4)) ' +
          'ORDER BY updated_index DESC, order_id COLLATE "C" DESC LIMIT $5',
        [
          owner,
          market ?? null,
          after?.updatedIndex ?? Number.MAX_SAFE_INTEGER,
          after?.orderId ?? '',
          count,
        ],
      )
      rows.push(...found.rows)
    }
    if (cursor === undefined || cursor.group === 'open') await group(true, cursor, limit + 1)
    if (rows.length <= limit) {
      const after = cursor?.group === 'closed' ? cursor : undefined
      await group(false, after, limit + 1 - rows.length)
    }
    const byOrder = await fillsOf(
      client,
      rows.slice(0, limit).map((row) => row.order_id),
    )
    return toOrdersPage(rows, limit, (row) => byOrder.get(row.order_id) ?? [])
  }

  /** One order with its latest fills and the applied index, all from one snapshot. */
  orderAt(orderId: string): Promise<{ order: OrderView | undefined; index: number }> {
    return this.snapshot(async (client) => {
      const { index } = await this.position(client)
      return { order: await this.orderIn(client, orderId), index }
    })
  }

  /** One order with its latest fills (see `ReplicaStorage.order`). */
  order(orderId: string): Promise<OrderView | undefined> {
    return this.snapshot((client) => this.orderIn(client, orderId))
  }

  private async orderIn(client: pg.PoolClient, orderId: string): Promise<OrderView | undefined> {
    const { rows } = await client.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1', [
      orderId,
    ])
    const row = rows[0]
    if (row === undefined) return undefined
    return toOrderView(row, (await fillsOf(client, [orderId])).get(orderId) ?? [])
  }

  async tradesPage(market: string, limit: number, beforeSeq: number | undefined): Promise<Trade[]> {
    const { rows } = await this.pool.query<TradeRow>(
      'SELECT * FROM trades WHERE market = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
      [market, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit],
    )
    return rows.map(toTrade)
  }

  /** How many trades `market` has had (0 for a market without stored state). */
  async tradeSeq(market: string): Promise<number> {
    const { rows } = await this.pool.query<{ trade_seq: number }>(
      'SELECT trade_seq FROM market_state WHERE market = $1',
      [market],
    )
    return rows[0]?.trade_seq ?? 0
  }

  /**
   * The top `depth` price levels of each side of `market`'s book, with its sequence number and
   * the applied index, in one statement (one snapshot, one round trip): the open orders summed
   * per price, best first, as the matching engine aggregates its book.
   */
  async bookAt(market: string, depth: number): Promise<StoredBook> {
    const level = (side: 'buy' | 'sell') => bookLevelsStatement(side, '$1', '$2')
    const { rows } = await this.pool.query<{
      applied: number
      seq: number | null
      side: 'buy' | 'sell' | null
      price: string | null
      quantity: string | null
      orders: number | null
    }>(
      "SELECT (SELECT value::bigint FROM meta WHERE key = 'applied_index') AS applied, " +
        '(SELECT book_seq FROM market_state WHERE market = $1) AS seq, l.* ' +
        `FROM (SELECT 1) AS one LEFT JOIN (${level('buy')} UNION ALL ${level('sell')}) AS l ON true`,
      [market, depth],
    )
    const bids: StoredBookLevel[] = []
    const asks: StoredBookLevel[] = []
    for (const { side, price, quantity, orders } of rows) {
      if (side === null || price === null || quantity === null || orders === null) continue
      ;(side === 'buy' ? bids : asks).push({ price, quantity, orders })
    }
    // UNION ALL keeps no order: best first again, comparing prices as integers.
    const byPrice = (a: StoredBookLevel, b: StoredBookLevel) =>
      a.price.length - b.price.length || (a.price < b.price ? -1 : a.price > b.price ? 1 : 0)
    bids.sort((a, b) => byPrice(b, a))
    asks.sort(byPrice)
    return { seq: rows[0]?.seq ?? 0, index: rows[0]?.applied ?? 0, bids, asks }
  }

  /** Runs read-only `work` on a pooled connection, every query in it from one snapshot. */
  async snapshot<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}

/**
 * The statement of one side's top levels of a market's book, best first: open orders grouped by
 * price in the order of the `orders_book` index (market, side, price as a number), so PostgreSQL
 * reads them in that order and stops after `depth` levels rather than grouping every open order.
 * Prices are canonical base-unit integers, so the number's text is the stored text. `market` and
 * `depth` are the statement's parameter placeholders.
 */
export function bookLevelsStatement(side: 'buy' | 'sell', market: string, depth: string): string {
  const order = side === 'buy' ? 'DESC' : 'ASC'
  return (
    `(SELECT '${side}' AS side, (price::numeric)::text AS price, ` +
    'sum(remaining::numeric)::text AS quantity, count(*)::int AS orders FROM orders ' +
    `WHERE status = 'open' AND market = ${market} AND side = '${side}' ` +
    `GROUP BY price::numeric ORDER BY price::numeric ${order} LIMIT ${depth})`
  )
}

/**
 * Read queries of the database at `url` on a pool of at most `connectionsMax` connections,
 * none of which writes: no applier lock, no migration. The applier creates and migrates the
 * schema; this waits up to `waitMs` for it (the applier may start at the same moment).
 */
export async function openPostgresReads(
  url: string,
  options: { connectionsMax?: number; waitMs?: number } = {},
): Promise<PostgresReads> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.connectionsMax ?? 4,
    types: bigintAsNumber,
    // Every session of an API process is read-only: a bug here cannot write the applier's state.
    options: '-c default_transaction_read_only=on',
  })
  // An idle connection that the server drops is replaced at the next query; without a
  // listener its error would end the process.
  pool.on('error', () => undefined)
  const reads = new PostgresReads(pool)
  const deadline = performance.now() + (options.waitMs ?? 30_000)
  for (;;) {
    const initialized = await reads.metaValue('genesis_hash').catch(() => undefined)
    if (initialized !== undefined) return reads
    if (performance.now() >= deadline) {
      await pool.end()
      throw new Error(`no replica state in ${redactUrl(url)}: start its applier first`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.toString()
}

/** Each order's newest fills as maker and as taker, for all of `orderIds` in one query. */
async function fillsOf(
  client: pg.PoolClient,
  orderIds: readonly string[],
): Promise<Map<string, TradeRow[]>> {
  const fills = await client.query<TradeRow & { page_order_id: string }>(
    'SELECT o.id AS page_order_id, t.* FROM unnest($1::text[]) AS o(id), LATERAL (' +
      '(SELECT * FROM trades WHERE maker_order_id = o.id ORDER BY seq DESC LIMIT $2) UNION ALL ' +
      '(SELECT * FROM trades WHERE taker_order_id = o.id ORDER BY seq DESC LIMIT $2)) AS t',
    [orderIds, orderFillsMax + 1],
  )
  const byOrder = new Map<string, TradeRow[]>()
  for (const { page_order_id: id, ...trade } of fills.rows) {
    byOrder.set(id, [...(byOrder.get(id) ?? []), trade])
  }
  return byOrder
}
