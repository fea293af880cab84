import Database from 'better-sqlite3'
import { and, desc, eq, lte } from 'drizzle-orm'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { join } from 'node:path'
import type { Address, IntentId, TokenInfo } from '../../../shared/intents/index.ts'
import type { LedgerSnapshot, StoredLedger } from '../../../shared/ledger/index.ts'
import type {
  BatchEffects,
  EngineOperation,
  OrderUpdate,
  TradeRecord,
} from '../../../shared/exchange/index.ts'
import {
  historyPruneRowsMax,
  type AppliedPosition,
  type InstalledState,
  type StoredReceipt,
  type StoredState,
  type StoreHooks,
} from './replicaStorage.ts'
import { stateLeafFormat } from '../../../shared/stateHash/index.ts'
import { REPOSITORY_ROOT } from '../../repositoryRoot.ts'
import { storedReasonCode } from '../storedReasonCode.ts'
import { BulkInsert } from './bulkInsert.ts'
import * as schema from './schema.ts'
import { bytesToHex, hexToBytes } from './hexBytes.ts'
import { readBalances, readNonceWindows } from './currentStateReads.ts'
import {
  balanceLeafColumns,
  forgetKeptLeaves,
  keptLeavesOfAnotherFormat,
  leafFormatKey,
  windowLeafColumns,
  type KeptLeafOfRow,
} from './keptLeaves.ts'
import { nonceWindowText } from './nonceWindowRows.ts'
import { divergenceKey, divergenceText, parseDivergence } from './divergenceRecord.ts'
import type { Divergence } from '../divergenceWatch.ts'

const MIGRATIONS = join(REPOSITORY_ROOT, 'drizzle')

/**
 * The replica's SQLite database: the state after the last applied batch (current balances, each
 * signer's nonce window, open orders, each market's sequence numbers), balance history, each
 * batch's chaining hash, receipts, orders and trades. One
 * writer (the apply loop); every batch commits in one
 * transaction together with its index and chaining hash, so a crash at any instant leaves the
 * state of exactly some batch. Reads that need the latest state come from memory, not here.
 * Synchronous (better-sqlite3): `SqliteStorage` presents it as a `ReplicaStorage`.
 */
export class ReplicaStore {
  readonly sqlite: Database.Database
  readonly db: BetterSQLite3Database<typeof schema>
  private readonly write: ReturnType<typeof prepareWrites>
  private readonly hooks: StoreHooks | undefined
  /** The stored position, kept in memory: the apply loop is the only writer. */
  private appliedIndex: number
  /** History of the last this many batches is kept (undefined: all of it). */
  private readonly historyRetainBatches: number | undefined
  /** History of the batches below this index is pruned (0: none). */
  private prunedBelow: number
  private readonly restorePageRows: number | undefined
  /** Balances at batches below this are pruned (`pruneBalanceHistory`; 0: none). */
  private balancesPrunedBelow: number
  private balancesPrunedBelowAfterCommit: number | undefined
  /** What `prunedBelow` becomes once the commit in progress has committed. */
  private prunedBelowAfterCommit: number | undefined

  constructor(
    file: string,
    options: {
      synchronous?: 'FULL' | 'NORMAL'
      hooks?: StoreHooks
      /** Keep the history of the last this many batches; default all (see `pruneHistory`). */
      historyRetainBatches?: number
      /** Rows per page of a restart's reads of balances and nonce windows (default 20,000). */
      restorePageRows?: number
      /** The format of the leaves this code keeps (default `stateLeafFormat`; tests vary it). */
      leafFormat?: string
    } = {},
  ) {
    this.sqlite = new Database(file)
    this.sqlite.pragma('journal_mode = WAL')
    this.sqlite.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`)
    // Random-key B-trees (addresses, intent ids) need their pages in memory to insert fast.
    this.sqlite.pragma('cache_size = -131072')
    this.sqlite.pragma('mmap_size = 268435456')
    // A checkpoint copies the WAL into the database on the committing thread; every 40 MB of WAL
    // instead of every 4 MB copies each hot page once per many commits rather than once per few.
    this.sqlite.pragma('wal_autocheckpoint = 10000')
    this.db = drizzle({ client: this.sqlite, schema })
    migrate(this.db, { migrationsFolder: MIGRATIONS })
    this.write = prepareWrites(this.sqlite)
    this.keepLeavesOf(options.leafFormat ?? stateLeafFormat)
    this.hooks = options.hooks
    this.appliedIndex = this.position().index
    this.historyRetainBatches = options.historyRetainBatches
    this.restorePageRows = options.restorePageRows
    this.prunedBelow = Number.parseInt(this.metaValue('history_pruned_below') ?? '0', 10)
    this.balancesPrunedBelow = Number(this.metaValue('balance_history_pruned_below') ?? '0')
  }

  /** Forgets the kept leaves if they are of another format than `format`, and records it. */
  private keepLeavesOf(format: string): void {
    const recorded = this.metaValue(leafFormatKey)
    if (recorded === format) return
    this.sqlite.transaction(() => {
      if (keptLeavesOfAnotherFormat(recorded, format)) {
        for (const statement of forgetKeptLeaves) this.sqlite.prepare(statement).run()
      }
      this.write.setMeta.run(leafFormatKey, format)
    })()
  }

  /**
   * The history (receipts, trades, closed orders) of batches below this index is pruned; 0 when
   * nothing is. Reads that reach below it answer 404 `pruned` (or say so).
   */
  get historyPrunedBelow(): number {
    return this.prunedBelow
  }

  close(): void {
    this.sqlite.close()
  }

  /** The divergence found in this database's state (`divergenceRecord.ts`), if any. */
  divergence(): Divergence | undefined {
    return parseDivergence(this.metaValue(divergenceKey))
  }

  /** Keeps `divergence` until the database is replaced. */
  recordDivergence(divergence: Divergence): void {
    this.write.setMeta.run(divergenceKey, divergenceText(divergence))
  }

  /** The stored genesis hash, or undefined for a fresh database. */
  genesisHash(): string | undefined {
    return this.metaValue('genesis_hash')
  }

  /**
   * Writes the state at index 0 into a fresh database: genesis balances (also as history at 0),
   * each market at sequence numbers 0, the position, and the hash of the configuration it came
   * from.
   */
  initialize(
    genesisHash: string,
    balances: LedgerSnapshot['balances'],
    markets: readonly string[],
  ): void {
    this.sqlite.transaction(() => {
      this.writeBalances(balances, 0)
      for (const market of markets) this.write.setMarketState.run(market, 0, 0)
      this.write.insertChainingHash.run(0, '', 0)
      this.write.setMeta.run('genesis_hash', genesisHash)
      this.write.setMeta.run('applied_index', '0')
      this.write.setMeta.run('applied_chaining_hash', '')
      this.write.setMeta.run('applied_time', '0')
    })()
    this.appliedIndex = 0
  }

  /** See `ReplicaStorage.installState`. */
  installState(genesisHash: string, state: InstalledState): void {
    const { index, chainingHash, time, finalizedIndex } = state.position
    this.sqlite.transaction(() => {
      if (this.metaValue('genesis_hash') !== undefined) throw new Error('the database is not fresh')
      this.writeBalances(state.balances, index)
      const windows: unknown[] = []
      for (const { signer, nonces } of state.nonceWindows) {
        const text = nonceWindowText(nonces)
        windows.push(hexToBytes(signer), text, ...windowLeafColumns(signer, text))
      }
      this.write.setNonceWindows.run(windows)
      for (const order of state.openOrders) this.write.upsertOrder.run(orderRow(order))
      for (const { market, tradeSeq, bookSeq } of state.markets) {
        this.write.setMarketState.run(market, tradeSeq, bookSeq)
      }
      this.write.insertChainingHash.run(index, chainingHash, time)
      this.write.setMeta.run('genesis_hash', genesisHash)
      this.write.setMeta.run('applied_index', String(index))
      this.write.setMeta.run('applied_chaining_hash', chainingHash)
      this.write.setMeta.run('applied_time', String(time))
      if (finalizedIndex !== undefined) {
        this.write.setMeta.run('applied_finalized_index', String(finalizedIndex))
      }
      this.write.setMeta.run('history_pruned_below', String(index + 1))
      this.write.setMeta.run('balance_history_pruned_below', String(index))
    })()
    this.appliedIndex = index
    this.prunedBelow = index + 1
    this.balancesPrunedBelow = index
  }

  position(): AppliedPosition {
    const index = Number.parseInt(this.metaValue('applied_index') ?? '0', 10)
    const finalized = this.metaValue('applied_finalized_index')
    return {
      index,
      chainingHash: this.metaValue('applied_chaining_hash') ?? '',
      time: Number.parseInt(this.metaValue('applied_time') ?? '0', 10),
      finalizedIndex: index === 0 ? 0 : finalized === undefined ? undefined : Number(finalized),
    }
  }

  /**
   * Commits one applied batch: every effect, its chaining hash and the new position, in one
   * transaction. Throws if the batch does not directly follow the stored position.
   */
  commitBatch(effects: BatchEffects, chainingHash: string): void {
    this.commitBatches([{ effects, chainingHash }])
  }

  /**
   * Commits consecutive applied batches in one transaction: each batch's effects, Zellular
   * chaining hash and time under its own index, then the position of the last one. Either all of them are
   * stored or none, so a crash at any instant leaves the state of exactly some batch. Grouping
   * batches that are already waiting writes each touched page once instead of once per batch.
   */
  commitBatches(
    group: readonly { effects: BatchEffects; chainingHash: string }[],
    finalizedIndex?: number,
  ): void {
    const last = group.at(-1)
    if (last === undefined) return
    this.prunedBelowAfterCommit = undefined
    this.balancesPrunedBelowAfterCommit = undefined
    this.write.commit(() => {
      let previous = this.appliedIndex
      for (const { effects, chainingHash } of group) {
        if (effects.index !== previous + 1) {
          throw new Error(`commit of batch ${effects.index} after ${previous}`)
        }
        this.writeEffects(effects)
        this.write.insertChainingHash.run(effects.index, chainingHash, effects.time)
        previous = effects.index
      }
      this.write.setMeta.run('applied_index', String(last.effects.index))
      this.write.setMeta.run('applied_chaining_hash', last.chainingHash)
      this.write.setMeta.run('applied_time', String(last.effects.time))
      if (finalizedIndex === undefined) this.write.deleteMeta.run('applied_finalized_index')
      else this.write.setMeta.run('applied_finalized_index', String(finalizedIndex))
      this.pruneHistory(last.effects.index)
      this.hooks?.insideCommit(group.map(({ effects }) => effects.index))
    })
    this.appliedIndex = last.effects.index
    this.prunedBelow = this.prunedBelowAfterCommit ?? this.prunedBelow
    this.balancesPrunedBelow = this.balancesPrunedBelowAfterCommit ?? this.balancesPrunedBelow
  }

  private writeEffects(effects: BatchEffects): void {
    const index = effects.index
    if (effects.nonces.length !== effects.receipts.length) {
      throw new Error(
        `batch ${index}: ${effects.nonces.length} nonces, ${effects.receipts.length} receipts`,
      )
    }
    this.writeBalances(effects.balances, index)
    this.writeMarketSeqs(effects)
    const windows: unknown[] = []
    for (const { signer, nonces } of effects.nonceWindows) {
      if (nonces.length === 0) this.write.deleteNonceWindow.run(hexToBytes(signer))
      else {
        const text = nonceWindowText(nonces)
        windows.push(hexToBytes(signer), text, ...windowLeafColumns(signer, text))
      }
    }
    this.write.setNonceWindows.run(windows)
    const receipts: unknown[] = []
    for (const r of effects.receipts) {
      const { intentId, action, signer, status, position } = r
      receipts.push(hexToBytes(intentId), action, hexToBytes(signer), r.nonce.toString(), status)
      receipts.push(r.reason ?? null)
      receipts.push(index, position)
    }
    this.write.insertReceipts.run(receipts)
    for (const order of effects.orders) this.write.upsertOrder.run(orderRow(order))
    for (const trade of effects.trades) this.write.insertTrade.run(tradeRow(trade))
  }

  /**
   * Everything needed to rebuild the exchange of `markets` as of the stored position, read from
   * the tables of the current state: O(accounts + open orders), whatever the history.
   */
  loadState(
    tokens: readonly TokenInfo[],
    issuer: Address,
    markets: readonly string[],
  ): StoredState {
    const ledgerLeaves = { balances: [] as KeptLeafOfRow[], nonceWindows: [] as KeptLeafOfRow[] }
    const ledger: StoredLedger = {
      tokens,
      issuer,
      balances: readBalances(this.sqlite, this.restorePageRows, ledgerLeaves.balances),
      nonceWindows: readNonceWindows(this.sqlite, this.restorePageRows, ledgerLeaves.nonceWindows),
    }
    const marketRows = this.sqlite
      .prepare('SELECT market, trade_seq, book_seq FROM market_state')
      .raw()
      .all() as [string, number, number | null][]
    const tradeSeqs = new Map(marketRows.map(([market, tradeSeq]) => [market, tradeSeq]))
    const known = new Map(
      marketRows.flatMap(([market, , seq]) => (seq === null ? [] : [[market, seq] as const])),
    )
    const bookSeqs = markets.every((market) => known.has(market)) ? known : undefined
    const engineOperations =
      bookSeqs !== undefined
        ? []
        : (
            this.sqlite
              .prepare('SELECT operation FROM engine_operations ORDER BY id')
              .raw()
              .all() as [string][]
          ).map(([json]) => JSON.parse(json) as EngineOperation)
    const openOrders = this.db
      .select()
      .from(schema.orders)
      .where(eq(schema.orders.status, 'open'))
      .all()
      .map(toOrderUpdate)
    const position = this.position()
    const time = position.time
    return {
      position,
      ledger,
      ledgerLeaves,
      bookSeqs,
      engineOperations,
      openOrders,
      tradeSeqs,
      time,
    }
  }

  /**
   * Completes the upgrade of a database from before migration 0008 once its books were rebuilt
   * by replaying `engine_operations`: stores every market's sequence numbers and empties the
   * operations, which no restart reads again.
   */
  finishUpgrade(markets: readonly { market: string; tradeSeq: number; bookSeq: number }[]): void {
    this.sqlite.transaction(() => {
      for (const { market, tradeSeq, bookSeq } of markets) {
        this.write.setMarketState.run(market, tradeSeq, bookSeq)
      }
      this.sqlite.prepare('DELETE FROM engine_operations').run()
    })()
  }

  /**
   * The balance of (address, token) as of batch `index` (0 when never credited by then), or
   * where the pruned balances end when `index` is below that.
   */
  balanceAt(
    address: string,
    token: string,
    index: number,
  ): { available: bigint; locked: bigint } | { prunedBelow: number } {
    if (index < this.balancesPrunedBelow) return { prunedBelow: this.balancesPrunedBelow }
    const row = this.db
      .select({ available: schema.balanceHistory.available, locked: schema.balanceHistory.locked })
      .from(schema.balanceHistory)
      .where(
        and(
          eq(schema.balanceHistory.address, hexToBytes(address)),
          eq(schema.balanceHistory.token, token),
          lte(schema.balanceHistory.batchIndex, index),
        ),
      )
      .orderBy(desc(schema.balanceHistory.batchIndex))
      .limit(1)
      .get()
    return row === undefined
      ? { available: 0n, locked: 0n }
      : { available: BigInt(row.available), locked: BigInt(row.locked) }
  }

  /**
   * Zellular's chaining hash of applied batch `index` ("" at 0); undefined for an index not
   * applied yet, or applied before this database kept them (migration 0004).
   */
  chainingHashAt(index: number): string | undefined {
    return this.db
      .select({ chainingHash: schema.chainingHashes.chainingHash })
      .from(schema.chainingHashes)
      .where(eq(schema.chainingHashes.batchIndex, index))
      .get()?.chainingHash
  }

  /** The receipt of an intent, with its batch's time. */
  receipt(intentId: string): StoredReceipt | undefined {
    const { receipts, chainingHashes } = schema
    const found = this.db
      .select({ row: receipts, time: chainingHashes.time })
      .from(receipts)
      .leftJoin(chainingHashes, eq(chainingHashes.batchIndex, receipts.batchIndex))
      .where(eq(receipts.intentId, hexToBytes(intentId)))
      .get()
    if (found === undefined) return undefined
    const { row, time } = found
    return { ...row, intentId: bytesToHex(row.intentId), signer: bytesToHex(row.signer), time }
  }

  /** The balances a batch changed: a history row each, and the current value (none at zero). */
  private writeBalances(balances: LedgerSnapshot['balances'], index: number): void {
    const history: unknown[] = []
    const current: unknown[] = []
    for (const { address, token, available, locked } of balances) {
      const key = hexToBytes(address)
      const amounts = [available.toString(), locked.toString()]
      history.push(key, token, index, ...amounts)
      if (available === 0n && locked === 0n) this.write.deleteBalance.run(key, token)
      else
        current.push(
          key,
          token,
          ...amounts,
          ...balanceLeafColumns(address, token, available, locked),
        )
    }
    // A batch lists each (address, token) once, so deletes and upserts never meet on one key.
    this.write.setBalances.run(current)
    this.write.insertHistory.run(history)
  }

  /**
   * Deletes, in the commit, the history of batches more than `historyRetainBatches` behind
   * `appliedIndex`: at most `historyPruneRowsMax` rows of each table, oldest first (an index on
   * each finds them), so a commit's work stays bounded and a backlog shrinks over later commits.
   * The consensus state (and so the state hash) never depends on history, so replicas may prune
   * differently; `historyPrunedBelow` moves once every table is pruned that far.
   */
  private pruneHistory(appliedIndex: number): void {
    if (this.historyRetainBatches === undefined) return
    const below = appliedIndex - this.historyRetainBatches + 1
    this.pruneBalanceHistory(below)
    if (below <= this.prunedBelow) return
    const { pruneReceipts, pruneTrades, pruneOrders } = this.write
    const deleted = [pruneReceipts, pruneTrades, pruneOrders].map(
      (statement) => statement.run(below, historyPruneRowsMax).changes,
    )
    if (deleted.some((count) => count >= historyPruneRowsMax)) return
    this.write.setMeta.run('history_pruned_below', String(below))
    this.prunedBelowAfterCommit = below
  }

  /**
   * Moves the balance history's mark (`balance_history_pruned_below`) towards `below`, whole
   * batches oldest first, about `historyPruneRowsMax` rows and at most as many batches per
   * commit: every row of those batches deletes the older rows of its (address, token), and the
   * chaining hashes below the new mark go. Below the mark each key then keeps only its latest
   * row, which is what a balance at any index from the mark on reads (the latest row at or
   * before it), so the table holds the retained batches plus a row per key ever credited,
   * whatever the history. Signed balances at an index below the mark are refused (`pruned`).
   */
  private pruneBalanceHistory(below: number): void {
    const from = this.balancesPrunedBelow
    if (below <= from) return
    const next = this.write.historyBatchAfterRows.get(from, below, historyPruneRowsMax) as
      number | undefined
    const upTo = Math.min(below, from + historyPruneRowsMax, Math.max(next ?? below, from + 1))
    const rows = this.write.historyRowsIn.all(from, upTo) as [Buffer, string, number][]
    for (const [address, token, index] of rows) {
      this.write.deleteOlderHistory.run(address, token, index)
    }
    this.write.pruneChainingHashes.run(upTo)
    this.write.setMeta.run('balance_history_pruned_below', String(upTo))
    this.balancesPrunedBelowAfterCommit = upTo
  }

  /** The last trade and book delta sequence numbers a batch reached, per market. */
  private writeMarketSeqs(effects: BatchEffects): void {
    const trades = new Map<string, number>()
    for (const { market, seq } of effects.trades) trades.set(market, seq)
    for (const [market, seq] of trades) this.write.setTradeSeq.run(seq, market)
    const book = new Map<string, number>()
    for (const { market, seq } of effects.book) book.set(market, seq)
    for (const [market, seq] of book) this.write.setBookSeq.run(seq, market)
  }

  private metaValue(key: string): string | undefined {
    return this.db.select().from(schema.meta).where(eq(schema.meta.key, key)).get()?.value
  }
}

function prepareWrites(sqlite: Database.Database) {
  const statements = {
    deleteMeta: sqlite.prepare('DELETE FROM meta WHERE key = ?'),
    setMeta: sqlite.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    insertHistory: new BulkInsert(
      sqlite,
      'INSERT INTO balance_history (address, token, batch_index, available, locked)',
      5,
    ),
    insertReceipts: new BulkInsert(
      sqlite,
      'INSERT INTO receipts (intent_id, action, signer, nonce, status, reason, batch_index, position)',
      8,
    ),
    setNonceWindows: new BulkInsert(
      sqlite,
      'INSERT INTO nonce_windows (signer, nonces, leaf_bucket, leaf_digest)',
      4,
      'ON CONFLICT (signer) DO UPDATE SET nonces = excluded.nonces, ' +
        'leaf_bucket = excluded.leaf_bucket, leaf_digest = excluded.leaf_digest',
    ),
    deleteNonceWindow: sqlite.prepare('DELETE FROM nonce_windows WHERE signer = ?'),
    insertChainingHash: sqlite.prepare(
      'INSERT INTO chaining_hashes (batch_index, chaining_hash, time) VALUES (?, ?, ?)',
    ),
    setBalances: new BulkInsert(
      sqlite,
      'INSERT INTO balances (address, token, available, locked, leaf_bucket, leaf_digest)',
      6,
      'ON CONFLICT (address, token) DO UPDATE SET ' +
        'available = excluded.available, locked = excluded.locked, ' +
        'leaf_bucket = excluded.leaf_bucket, leaf_digest = excluded.leaf_digest',
    ),
    deleteBalance: sqlite.prepare('DELETE FROM balances WHERE address = ? AND token = ?'),
    setMarketState: sqlite.prepare(
      'INSERT OR REPLACE INTO market_state (market, trade_seq, book_seq) VALUES (?, ?, ?)',
    ),
    pruneReceipts: sqlite.prepare(
      'DELETE FROM receipts WHERE intent_id IN ' +
        '(SELECT intent_id FROM receipts WHERE batch_index < ? ORDER BY batch_index LIMIT ?)',
    ),
    pruneTrades: sqlite.prepare(
      'DELETE FROM trades WHERE rowid IN ' +
        '(SELECT rowid FROM trades WHERE batch_index < ? ORDER BY batch_index LIMIT ?)',
    ),
    pruneOrders: sqlite.prepare(
      "DELETE FROM orders WHERE order_id IN (SELECT order_id FROM orders WHERE status != 'open' " +
        'AND updated_index < ? ORDER BY updated_index LIMIT ?)',
    ),
    historyBatchAfterRows: sqlite
      .prepare(
        'SELECT batch_index FROM balance_history WHERE batch_index >= ? AND batch_index < ? ' +
          'ORDER BY batch_index LIMIT 1 OFFSET ?',
      )
      .pluck(),
    historyRowsIn: sqlite
      .prepare(
        'SELECT address, token, batch_index FROM balance_history ' +
          'WHERE batch_index >= ? AND batch_index < ?',
      )
      .raw(),
    deleteOlderHistory: sqlite.prepare(
      'DELETE FROM balance_history WHERE address = ? AND token = ? AND batch_index < ?',
    ),
    pruneChainingHashes: sqlite.prepare('DELETE FROM chaining_hashes WHERE batch_index < ?'),
    setTradeSeq: sqlite.prepare('UPDATE market_state SET trade_seq = ? WHERE market = ?'),
    setBookSeq: sqlite.prepare('UPDATE market_state SET book_seq = ? WHERE market = ?'),
    upsertOrder: sqlite.prepare(
      'INSERT OR REPLACE INTO orders (order_id, market, owner, side, type, time_in_force, price, quantity, ' +
        'filled, remaining, status, reason, placed_index, placed_position, updated_index) VALUES (@orderId, ' +
        '@market, @owner, @side, @type, @timeInForce, @price, @quantity, @filled, @remaining, @status, ' +
        '@reason, @placedIndex, @placedPosition, @updatedIndex)',
    ),
    insertTrade: sqlite.prepare(
      'INSERT INTO trades (market, seq, price, quantity, taker_side, maker_order_id, taker_order_id, maker, ' +
        'taker, batch_index, time) VALUES (@market, @seq, @price, @quantity, @takerSide, @makerOrderId, ' +
        '@takerOrderId, @maker, @taker, @index, @time)',
    ),
  }
  const transaction = sqlite.transaction((run: () => void) => run())
  const commit = (run: () => void) => transaction.immediate(run)
  return { ...statements, commit }
}

function orderRow(order: OrderUpdate) {
  return {
    ...order,
    price: order.price.toString(),
    quantity: order.quantity.toString(),
    filled: order.filled.toString(),
    remaining: order.remaining.toString(),
    reason: order.reason ?? null,
  }
}

function tradeRow(trade: TradeRecord) {
  return { ...trade, price: trade.price.toString(), quantity: trade.quantity.toString() }
}

function toOrderUpdate(row: typeof schema.orders.$inferSelect): OrderUpdate {
  const update = {
    ...row,
    orderId: row.orderId as IntentId,
    owner: row.owner as Address,
    price: BigInt(row.price),
    quantity: BigInt(row.quantity),
    filled: BigInt(row.filled),
    remaining: BigInt(row.remaining),
    reason: row.reason === null ? undefined : storedReasonCode(row.reason),
  }
  if (update.reason === undefined) delete update.reason
  return update
}
