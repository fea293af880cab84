import type pg from 'pg'
import { columnsOf, type CommitRows } from './commitRows.ts'

/*
 * The PostgreSQL statements of a commit: each table's net rows (`commitRows.ts`) in one
 * statement, as columns through `unnest`, so a group costs a round trip per table that changed,
 * not one per row.
 */

/** History pruning, oldest first through the indexes on batch index: $1 below, $2 rows at most. */
export const PRUNE_STATEMENTS = [
  'DELETE FROM receipts WHERE intent_id IN ' +
    '(SELECT intent_id FROM receipts WHERE batch_index < $1 ORDER BY batch_index LIMIT $2)',
  'DELETE FROM trades WHERE (market, seq) IN ' +
    '(SELECT market, seq FROM trades WHERE batch_index < $1 ORDER BY batch_index LIMIT $2)',
  "DELETE FROM orders WHERE order_id IN (SELECT order_id FROM orders WHERE status <> 'open' " +
    'AND updated_index < $1 ORDER BY updated_index LIMIT $2)',
]

/** A table's columns in the order of its rows' values, each with its PostgreSQL type. */
type Columns = readonly (readonly [name: string, type: string])[]

/**
 * `INSERT INTO table (columns) SELECT * FROM unnest($1::type[], …)`: every row of a group in
 * one statement, each column as one array parameter. With `upsert`, a row whose `key` exists
 * overwrites the `set` columns instead.
 */
function unnestInsert(
  table: string,
  columns: Columns,
  upsert?: { readonly key: string; readonly set: readonly string[] },
): { readonly text: string; readonly width: number } {
  const names = columns.map(([name]) => name).join(', ')
  const arrays = columns.map(([, type], at) => `$${at + 1}::${type}[]`).join(', ')
  const conflict =
    upsert === undefined
      ? ''
      : ` ON CONFLICT (${upsert.key}) DO UPDATE SET ` +
        upsert.set.map((name) => `${name} = excluded.${name}`).join(', ')
  const text = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays})${conflict}`
  return { text, width: columns.length }
}

/** The statement and width of each table a commit inserts into or upserts. */
const INSERTS = {
  balanceHistory: unnestInsert('balance_history', [
    ['address', 'bytea'],
    ['token', 'text'],
    ['batch_index', 'bigint'],
    ['available', 'text'],
    ['locked', 'text'],
  ]),
  balances: unnestInsert(
    'balances',
    [
      ['address', 'bytea'],
      ['token', 'text'],
      ['available', 'text'],
      ['locked', 'text'],
      ['leaf_bucket', 'int'],
      ['leaf_digest', 'bytea'],
    ],
    { key: 'address, token', set: ['available', 'locked', 'leaf_bucket', 'leaf_digest'] },
  ),
  nonceWindows: unnestInsert(
    'nonce_windows',
    [
      ['signer', 'bytea'],
      ['nonces', 'text'],
      ['leaf_bucket', 'int'],
      ['leaf_digest', 'bytea'],
    ],
    { key: 'signer', set: ['nonces', 'leaf_bucket', 'leaf_digest'] },
  ),
  receipts: unnestInsert('receipts', [
    ['intent_id', 'bytea'],
    ['action', 'text'],
    ['signer', 'bytea'],
    ['nonce', 'text'],
    ['status', 'text'],
    ['reason', 'text'],
    ['batch_index', 'bigint'],
    ['position', 'int'],
  ]),
  // An order's terms never change once placed; what a later batch changes is its fill.
  orders: unnestInsert(
    'orders',
    [
      ['order_id', 'text'],
      ['market', 'text'],
      ['owner', 'text'],
      ['side', 'text'],
      ['type', 'text'],
      ['time_in_force', 'text'],
      ['price', 'text'],
      ['quantity', 'text'],
      ['filled', 'text'],
      ['remaining', 'text'],
      ['status', 'text'],
      ['reason', 'text'],
      ['placed_index', 'bigint'],
      ['placed_position', 'int'],
      ['updated_index', 'bigint'],
    ],
    { key: 'order_id', set: ['filled', 'remaining', 'status', 'reason', 'updated_index'] },
  ),
  trades: unnestInsert('trades', [
    ['market', 'text'],
    ['seq', 'bigint'],
    ['price', 'text'],
    ['quantity', 'text'],
    ['taker_side', 'text'],
    ['maker_order_id', 'text'],
    ['taker_order_id', 'text'],
    ['maker', 'text'],
    ['taker', 'text'],
    ['batch_index', 'bigint'],
    ['time', 'bigint'],
  ]),
  chainingHashes: unnestInsert('chaining_hashes', [
    ['batch_index', 'bigint'],
    ['chaining_hash', 'text'],
    ['time', 'bigint'],
  ]),
}

/** Writes a group's net rows: one statement per table that has rows. */
export async function writeRows(client: pg.PoolClient, rows: CommitRows): Promise<void> {
  const insert = async (
    { text, width }: { text: string; width: number },
    values: readonly (readonly unknown[])[],
  ) => {
    if (values.length > 0) await client.query(text, columnsOf(values, width))
  }
  const run = async (rowCount: number, text: string, columns: unknown[][]) => {
    if (rowCount > 0) await client.query(text, columns)
  }
  await insert(INSERTS.balanceHistory, rows.balanceHistory)
  await insert(INSERTS.balances, rows.balanceUpserts)
  await run(
    rows.balanceDeletes.length,
    'DELETE FROM balances b USING unnest($1::bytea[], $2::text[]) AS d(address, token) ' +
      'WHERE b.address = d.address AND b.token = d.token',
    columnsOf(rows.balanceDeletes, 2),
  )
  await insert(INSERTS.nonceWindows, rows.nonceWindows)
  await run(
    rows.nonceWindowDeletes.length,
    'DELETE FROM nonce_windows WHERE signer = ANY($1::bytea[])',
    [rows.nonceWindowDeletes],
  )
  await insert(INSERTS.receipts, rows.receipts)
  await insert(
    INSERTS.orders,
    rows.orders.map((o) => [
      o.orderId,
      o.market,
      o.owner,
      o.side,
      o.type,
      o.timeInForce,
      o.price.toString(),
      o.quantity.toString(),
      o.filled.toString(),
      o.remaining.toString(),
      o.status,
      o.reason ?? null,
      o.placedIndex,
      o.placedPosition,
      o.updatedIndex,
    ]),
  )
  await insert(
    INSERTS.trades,
    rows.trades.map((t) => [
      t.market,
      t.seq,
      t.price.toString(),
      t.quantity.toString(),
      t.takerSide,
      t.makerOrderId,
      t.takerOrderId,
      t.maker,
      t.taker,
      t.index,
      t.time,
    ]),
  )
  await insert(INSERTS.chainingHashes, rows.chainingHashes)
  await run(
    rows.marketSeqs.length,
    'UPDATE market_state m SET trade_seq = COALESCE(u.trade_seq, m.trade_seq), ' +
      'book_seq = COALESCE(u.book_seq, m.book_seq) ' +
      'FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS u(market, trade_seq, book_seq) ' +
      'WHERE m.market = u.market',
    columnsOf(rows.marketSeqs, 3),
  )
}

export async function setMeta(client: pg.PoolClient, entries: [string, string][]): Promise<void> {
  await client.query(
    'INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) ' +
      'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    columnsOf(entries, 2),
  )
}
