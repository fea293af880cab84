import { sql } from 'drizzle-orm'
import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/*
 * The replica's SQLite schema (drizzle). Amounts are integer base units stored as decimal TEXT
 * (uint128 does not fit SQLite's int64); nonces too (uint64). Batch indexes are INTEGER. The two
 * tables every transfer writes key on addresses and intent ids as raw bytes (BLOB: 20 and 32
 * bytes instead of 42 and 66 characters of hex), which makes their rows and B-trees smaller;
 * `hexBytes.ts` converts at the store's edge, so the rest of the replica sees hex strings.
 * Definitions only: the connection lives in `database.ts`. After a change, run
 * `npm run db:generate` and commit the migration in `drizzle/`.
 */

/**
 * Key-value facts: `applied_index`, `applied_chaining_hash`, `applied_time` (the applied batch's
 * deterministic time in ms; absent before migration 0005, read as 0), `genesis_hash`.
 */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/**
 * One row per applied batch (index 0: genesis): Zellular's chaining hash (index 0: ""), so a
 * balance signed as of a past index names the history it comes from (see
 * `balanceAttestationSchema`), and the batch's deterministic time in ms (`Exchange.time`; 0 at
 * genesis). Databases made before migration 0004 hold only index 0 and the index applied at the
 * upgrade; batches applied before migration 0005 have no time (NULL).
 */
export const chainingHashes = sqliteTable('chaining_hashes', {
  batchIndex: integer('batch_index').primaryKey(),
  chainingHash: text('chaining_hash').notNull(),
  time: integer('time'),
})

/**
 * One row per (address, token) per batch that changed it (index 0: genesis), so a balance can
 * be answered, and signed, as of any applied index. The row with the highest index is the
 * current balance. WITHOUT ROWID (migration 0002, written by hand since drizzle cannot declare
 * it): the primary key is the table, so each row costs one random B-tree insert, not two.
 */
export const balanceHistory = sqliteTable(
  'balance_history',
  {
    address: blob('address', { mode: 'buffer' }).notNull(),
    token: text('token').notNull(),
    batchIndex: integer('batch_index').notNull(),
    available: text('available').notNull(),
    locked: text('locked').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.address, table.token, table.batchIndex] }),
    // Pruning walks the history oldest batch first (migration 0011 / pg 0003).
    index('balance_history_batch').on(table.batchIndex),
  ],
)

/**
 * The state-tree leaf of a current-state row (`hashLeaf` of `shared/stateHash`): its bucket and
 * its 32-byte digest, written with the row's value in the same statement, so a restart rebuilds
 * the tree without hashing every value again. NULL in rows from before migration 0012, whose
 * leaves a restart hashes from the value.
 */
const keptLeafColumns = {
  leafBucket: integer('leaf_bucket'),
  leafDigest: blob('leaf_digest', { mode: 'buffer' }),
}

/**
 * The current balance of every (address, token) that is not zero: the ledger's state that a
 * restart reads back in O(accounts), where `balance_history` grows with every batch. A batch
 * upserts the balances it changed and deletes those it brought to zero, in its commit. WITHOUT
 * ROWID (migration 0008, written by hand: drizzle cannot declare it), which also fills it from
 * the newest `balance_history` rows.
 */
export const balances = sqliteTable(
  'balances',
  {
    address: blob('address', { mode: 'buffer' }).notNull(),
    token: text('token').notNull(),
    available: text('available').notNull(),
    locked: text('locked').notNull(),
    ...keptLeafColumns,
  },
  (table) => [primaryKey({ columns: [table.address, table.token] })],
)

/**
 * Each market's trade count and market-data sequence number (of its last book delta), updated in
 * every commit that changes them: with the open orders, what a restart rebuilds the books from.
 * `book_seq` is NULL in a database from before migration 0008 (which fills `trade_seq` from
 * `trades`); its first start then replays `engine_operations` once and fills it.
 */
export const marketState = sqliteTable('market_state', {
  market: text('market').primaryKey(),
  tradeSeq: integer('trade_seq').notNull(),
  bookSeq: integer('book_seq'),
})

/**
 * The outcome of every signed, verified intent, by intent id. Each consumed (signer, nonce) has
 * exactly one receipt. History, not consensus state: the replay guard is `nonce_windows`; pruned
 * past the retention (`receipts_batch`, migration 0009). Like `balance_history`, a WITHOUT ROWID
 * table (migration 0002; drizzle cannot declare it).
 */
export const receipts = sqliteTable(
  'receipts',
  {
    intentId: blob('intent_id', { mode: 'buffer' }).primaryKey(),
    action: text('action').notNull(),
    signer: blob('signer', { mode: 'buffer' }).notNull(),
    /** uint64 as decimal text. */
    nonce: text('nonce').notNull(),
    status: text('status', { enum: ['applied', 'rejected'] }).notNull(),
    reason: text('reason'),
    batchIndex: integer('batch_index').notNull(),
    position: integer('position').notNull(),
  },
  (table) => [index('receipts_batch').on(table.batchIndex)],
)

/**
 * Each signer's replay window (`shared/ledger/nonceWindow.ts`: at most the 100 highest used
 * nonces), the ledger's nonce state that a restart reloads: one row per signer, its nonces
 * ascending as space-separated decimal text (uint64 does not fit SQLite's int64). A batch
 * rewrites the row of each signer whose window it changed. Migration 0010 (written by hand)
 * folded the one-row-per-nonce layout of 0006 into these rows, so a restart reads a row per
 * signer, not per nonce.
 */
export const nonceWindows = sqliteTable('nonce_windows', {
  signer: blob('signer', { mode: 'buffer' }).primaryKey(),
  nonces: text('nonces').notNull(),
  ...keptLeafColumns,
})

/**
 * Accepted matching-engine operations in apply order, written before migration 0008 and replayed
 * once by the first start after it (to learn each market's book sequence number), then emptied.
 * Restarts rebuild the books from the open orders (`orders`) and `market_state`.
 */
export const engineOperations = sqliteTable('engine_operations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  batchIndex: integer('batch_index').notNull(),
  /** JSON of an `EngineOperation`. */
  operation: text('operation').notNull(),
})

/** Every order placed (or rejected), with where it stands; closed ones are pruned history. */
export const orders = sqliteTable(
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
    placedIndex: integer('placed_index').notNull(),
    /**
     * Position of the order's intent in batch `placed_index`: (placed_index, placed_position) is
     * its time priority, which the state hash covers. Migration 0007 fills it from `receipts`.
     */
    placedPosition: integer('placed_position').notNull().default(0),
    updatedIndex: integer('updated_index').notNull(),
  },
  (table) => [
    index('orders_owner').on(table.owner, table.updatedIndex),
    index('orders_status').on(table.status),
    // Closed orders are history, pruned oldest first past the retention (migration 0009).
    index('orders_closed')
      .on(table.updatedIndex)
      .where(sql`status != 'open'`),
  ],
)

/** Every trade (fills are trades), numbered per market; pruned past the retention. */
export const trades = sqliteTable(
  'trades',
  {
    market: text('market').notNull(),
    seq: integer('seq').notNull(),
    price: text('price').notNull(),
    quantity: text('quantity').notNull(),
    takerSide: text('taker_side', { enum: ['buy', 'sell'] }).notNull(),
    makerOrderId: text('maker_order_id').notNull(),
    takerOrderId: text('taker_order_id').notNull(),
    maker: text('maker').notNull(),
    taker: text('taker').notNull(),
    batchIndex: integer('batch_index').notNull(),
    /** The batch's deterministic time in ms; NULL for trades before migration 0005. */
    time: integer('time'),
  },
  (table) => [
    primaryKey({ columns: [table.market, table.seq] }),
    index('trades_maker_order').on(table.makerOrderId),
    index('trades_taker_order').on(table.takerOrderId),
    // Trades are history, pruned oldest first past the retention (migration 0009).
    index('trades_batch').on(table.batchIndex),
  ],
)
