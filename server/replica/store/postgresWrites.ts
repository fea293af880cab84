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

/** Writes a group's net rows: one statement per table that has rows. */
export async function writeRows(client: pg.PoolClient, rows: CommitRows): Promise<void> {
  const run = async (rowCount: number, text: string, columns: unknown[][]) => {
    if (rowCount > 0) await client.query(text, columns)
  }
  await run(
    rows.balanceHistory.length,
    'INSERT INTO balance_history (address, token, batch_index, available, locked) ' +
      'SELECT * FROM unnest($1::bytea[], $2::text[], $3::bigint[], $4::text[], $5::text[])',
    columnsOf(rows.balanceHistory, 5),
  )
  await run(
    rows.balanceUpserts.length,
    'INSERT INTO balances (address, token, available, locked) ' +
      'SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[]) ' +
      'ON CONFLICT (address, token) DO UPDATE SET available = excluded.available, locked = excluded.locked',
    columnsOf(rows.balanceUpserts, 4),
  )
  await run(
    rows.balanceDeletes.length,
    'DELETE FROM balances b USING unnest($1::bytea[], $2::text[]) AS d(address, token) ' +
      'WHERE b.address = d.address AND b.token = d.token',
    columnsOf(rows.balanceDeletes, 2),
  )
  await run(
    rows.nonceWindows.length,
    'INSERT INTO nonce_windows (signer, nonces) SELECT * FROM unnest($1::bytea[], $2::text[]) ' +
      'ON CONFLICT (signer) DO UPDATE SET nonces = excluded.nonces',
    columnsOf(rows.nonceWindows, 2),
  )
  await run(
    rows.nonceWindowDeletes.length,
    'DELETE FROM nonce_windows WHERE signer = ANY($1::bytea[])',
    [rows.nonceWindowDeletes],
  )
  await run(
    rows.receipts.length,
    'INSERT INTO receipts (intent_id, action, signer, nonce, status, reason, batch_index, position) ' +
      'SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[], $4::text[], $5::text[], ' +
      '$6::text[], $7::bigint[], $8::int[])',
    columnsOf(rows.receipts, 8),
  )
  const orders = rows.orders.map((o) => [
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
  ])
  await run(
    orders.length,
    'INSERT INTO orders (order_id, market, owner, side, type, time_in_force, price, quantity, ' +
      'filled, remaining, status, reason, placed_index, placed_position, updated_index) ' +
      'SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], ' +
      '$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], ' +
      '$13::bigint[], $14::int[], $15::bigint[]) ON CONFLICT (order_id) DO UPDATE SET ' +
      'filled = excluded.filled, remaining = excluded.remaining, status = excluded.status, ' +
      'reason = excluded.reason, updated_index = excluded.updated_index',
    columnsOf(orders, 15),
  )
  const trades = rows.trades.map((t) => [
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
  ])
  await run(
    trades.length,
    'INSERT INTO trades (market, seq, price, quantity, taker_side, maker_order_id, taker_order_id, ' +
      'maker, taker, batch_index, time) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], ' +
      '$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::bigint[])',
    columnsOf(trades, 11),
  )
  await run(
    rows.chainingHashes.length,
    'INSERT INTO chaining_hashes (batch_index, chaining_hash, time) ' +
      'SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])',
    columnsOf(rows.chainingHashes, 3),
  )
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
