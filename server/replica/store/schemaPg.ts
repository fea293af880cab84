import { sql } from 'drizzle-orm'
import { bigint, customType, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'

/*
 * The replica's PostgreSQL schema (drizzle), the same tables and columns as the SQLite one
 * (`schema.ts`, whose comments say what each holds) in PostgreSQL's types: addresses and intent
 * ids of the two tables every transfer writes as BYTEA, amounts and nonces as decimal TEXT
 * (uint128 fits no integer type; the replica never does arithmetic in SQL), batch indexes,
 * sequence numbers and times in ms as BIGINT read as JavaScript numbers (below 2^53). No
 * `engine_operations`: it served SQLite databases from before the current-state tables, which no
 * PostgreSQL database ever was. Definitions only; `npm run db:generate` writes the migrations to
 * `drizzle-pg/`, and the hand-written one (storage parameters drizzle cannot declare) sits beside
 * them.
 */

const batchIndex = (name: string) => bigint(name, { mode: 'number' })

/** BYTEA, which this drizzle version has no builder for; node-postgres reads it as a Buffer. */
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' })

/** Key-value facts: `applied_index`, `applied_chaining_hash`, `applied_time`, `genesis_hash`… */
export const meta = pgTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/** One row per applied batch (index 0: genesis): Zellular's chaining hash and the batch's time. */
export const chainingHashes = pgTable('chaining_hashes', {
  batchIndex: batchIndex('batch_index').primaryKey(),
  chainingHash: text('chaining_hash').notNull(),
  time: bigint('time', { mode: 'number' }),
})

/**
 * The state-tree leaf of a current-state row (bucket and digest, `hashLeaf`), written with its
 * value; NULL in rows from before migration 0005 (see `schema.ts`).
 */
const keptLeafColumns = {
  leafBucket: integer('leaf_bucket'),
  leafDigest: bytea('leaf_digest'),
}

/** One row per (address, token) per batch that changed it: balances as of any applied index. */
export const balanceHistory = pgTable(
  'balance_history',
  {
    address: bytea('address').notNull(),
    token: text('token').notNull(),
    batchIndex: batchIndex('batch_index').notNull(),
    available: text('available').notNull(),
    locked: text('locked').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.address, table.token, table.batchIndex] }),
    // Pruning walks the history oldest batch first (migration 0011 / pg 0003).
    index('balance_history_batch').on(table.batchIndex),
  ],
)

/** The current balance of every (address, token) that is not zero. */
export const balances = pgTable(
  'balances',
  {
    address: bytea('address').notNull(),
    token: text('token').notNull(),
    available: text('available').notNull(),
    locked: text('locked').notNull(),
    ...keptLeafColumns,
  },
  (table) => [primaryKey({ columns: [table.address, table.token] })],
)

/** Each market's trade count and book delta sequence number. */
export const marketState = pgTable('market_state', {
  market: text('market').primaryKey(),
  tradeSeq: bigint('trade_seq', { mode: 'number' }).notNull(),
  bookSeq: bigint('book_seq', { mode: 'number' }).notNull(),
})

/** The outcome of every signed, verified intent (history, pruned past the retention). */
export const receipts = pgTable(
  'receipts',
  {
    intentId: bytea('intent_id').primaryKey(),
    action: text('action').notNull(),
    signer: bytea('signer').notNull(),
    nonce: text('nonce').notNull(),
    status: text('status', { enum: ['applied', 'rejected'] }).notNull(),
    reason: text('reason'),
    batchIndex: batchIndex('batch_index').notNull(),
    position: integer('position').notNull(),
  },
  (table) => [index('receipts_batch').on(table.batchIndex)],
)

/** Each signer's replay window: its nonces ascending, space-separated (one row per signer). */
export const nonceWindows = pgTable('nonce_windows', {
  signer: bytea('signer').primaryKey(),
  nonces: text('nonces').notNull(),
  ...keptLeafColumns,
})

/** Every order placed (or rejected), with where it stands; closed ones are pruned history. */
export const orders = pgTable(
  'orders',
  {
    orderId: text('order_id').primaryKey(),
    market: text('market').notNull(),
    owner: text('owner').notNull(),
    side: text('side', { enum: ['buy', 'sell'] }).notNull(),
    type: text('type', { enum: ['limit', 'market'] }).notNull(),
    timeInForce: text('time_in_force', { enum: ['GTC', 'IOC', 'POST_ONLY'] }).notNull(),
    price: text('price').notNull(),
    quantity: text('quantity').notNull(),
    filled: text('filled').notNull(),
    remaining: text('remaining').notNull(),
    status: text('status', { enum: ['open', 'filled', 'cancelled', 'rejected'] }).notNull(),
    reason: text('reason'),
    placedIndex: batchIndex('placed_index').notNull(),
    placedPosition: integer('placed_position').notNull(),
    updatedIndex: batchIndex('updated_index').notNull(),
  },
  (table) => [
    index('orders_owner').on(table.owner, table.updatedIndex),
    index('orders_open')
      .on(table.placedIndex, table.placedPosition)
      .where(sql`status = 'open'`),
    index('orders_closed')
      .on(table.updatedIndex)
      .where(sql`status != 'open'`),
    // The book's levels best first (`bookAt`): open orders of one market and side in price order,
    // so reading the top levels stops after them instead of grouping every open order.
    index('orders_book')
      .on(table.market, table.side, sql`(${table.price}::numeric)`)
      .where(sql`status = 'open'`),
  ],
)

/** Every trade (fills are trades), numbered per market; pruned past the retention. */
export const trades = pgTable(
  'trades',
  {
    market: text('market').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    price: text('price').notNull(),
    quantity: text('quantity').notNull(),
    takerSide: text('taker_side', { enum: ['buy', 'sell'] }).notNull(),
    makerOrderId: text('maker_order_id').notNull(),
    takerOrderId: text('taker_order_id').notNull(),
    maker: text('maker').notNull(),
    taker: text('taker').notNull(),
    batchIndex: batchIndex('batch_index').notNull(),
    time: bigint('time', { mode: 'number' }),
  },
  (table) => [
    primaryKey({ columns: [table.market, table.seq] }),
    index('trades_maker_order').on(table.makerOrderId, table.seq),
    index('trades_taker_order').on(table.takerOrderId, table.seq),
    index('trades_batch').on(table.batchIndex),
  ],
)
