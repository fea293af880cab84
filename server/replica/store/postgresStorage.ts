import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { join } from 'node:path'
import pg from 'pg'
import type { OrderView, Trade } from '../../../shared/api/index.ts'
import type { OrderUpdate } from '../../../shared/exchange/index.ts'
import type { Address, IntentId, TokenInfo } from '../../../shared/intents/index.ts'
import type { LedgerSnapshot, StoredLedger } from '../../../shared/ledger/index.ts'
import { stateLeafFormat } from '../../../shared/stateHash/index.ts'
import { REPOSITORY_ROOT } from '../../repositoryRoot.ts'
import { storedReasonCode } from '../storedReasonCode.ts'
import { columnsOf, installedStateRows, toCommitRows } from './commitRows.ts'
import { PRUNE_STATEMENTS, setMeta, writeRows } from './postgresWrites.ts'
import { hexToBytes } from './hexBytes.ts'
import { divergenceKey, divergenceText, parseDivergence } from './divergenceRecord.ts'
import type { Divergence } from '../divergenceWatch.ts'
import type { OrderRow } from './pageRows.ts'
import { bigintAsNumber, PostgresReads, redactUrl } from './postgresReads.ts'
import { readBalancesPg, readNonceWindowsPg } from './postgresStateReads.ts'
import {
  balanceLeafColumns,
  forgetKeptLeaves,
  keptLeavesOfAnotherFormat,
  leafFormatKey,
  type KeptLeafOfRow,
} from './keptLeaves.ts'
import {
  historyPruneRowsMax,
  type AppliedPosition,
  type CommittedBatch,
  type InstalledState,
  type OrdersPage,
  type OrdersPageParameters,
  type ReplicaStorage,
  type StoredReceipt,
  type StoredState,
  type StoreHooks,
} from './replicaStorage.ts'

const MIGRATIONS = join(REPOSITORY_ROOT, 'drizzle-pg')
/** One applier per database: the advisory lock its writer connection holds while open. */
const APPLIER_LOCK = 'SELECT pg_try_advisory_lock(hashtext($1)) AS locked'
const APPLIER_LOCK_NAME = 'zellular-orderbook replica applier'

/** Options of `PostgresStorage.open`. */
export interface PostgresStorageOptions {
  /**
   * Wait for the WAL flush at each commit (`synchronous_commit = on`). Off by default, like
   * SQLite's NORMAL: a crash of the server may undo the last commits, which the replica then
   * applies again from Zellular; it never leaves part of one.
   */
  readonly synchronousCommit?: boolean
  readonly hooks?: StoreHooks | undefined
  /** Keep the history of the last this many batches; default all. */
  readonly historyRetainBatches?: number | undefined
  /**
   * How long to wait for the applier lock before refusing to open (default 10 s): after a crash
   * the server may take a moment to notice the dead session that held it.
   */
  readonly lockWaitMs?: number
  /** Most connections for reads (the writer has its own). Default 4. */
  readonly readConnectionsMax?: number
  /** Rows per page of a restart's reads of balances and nonce windows (default 20,000). */
  readonly restorePageRows?: number | undefined
  /** The format of the leaves this code keeps (default `stateLeafFormat`; tests vary it). */
  readonly leafFormat?: string | undefined
}

/** Takes the applier lock on `writer`'s session, trying again every 200 ms for `waitMs`. */
async function takeApplierLock(writer: pg.PoolClient, waitMs: number, database: string) {
  const deadline = performance.now() + waitMs
  for (;;) {
    const { rows } = await writer.query<{ locked: boolean }>(APPLIER_LOCK, [APPLIER_LOCK_NAME])
    if (rows[0]?.locked === true) return
    if (performance.now() >= deadline) {
      throw new Error(`another replica applier holds the database ${database}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/**
 * The replica's state in a PostgreSQL database (node-postgres, migrations by drizzle from
 * `drizzle-pg/`). One writer connection, which holds an advisory lock so that no second applier
 * can write the same database, commits each group in one transaction with one statement per
 * table (`commitRows.ts`); reads run on a pool of other connections and, under PostgreSQL's
 * MVCC, see only whole commits (a page of orders reads from one snapshot).
 */
export class PostgresStorage implements ReplicaStorage {
  private appliedIndex = 0
  private prunedBelow = 0
  private prunedBelowAfterCommit: number | undefined
  /** The read queries, on the same pool (the writer is not in it). */
  private readonly reads: PostgresReads

  private constructor(
    readonly location: string,
    private readonly pool: pg.Pool,
    private readonly writer: pg.PoolClient,
    private readonly options: PostgresStorageOptions,
  ) {
    this.reads = new PostgresReads(pool)
  }

  /** Connects to `url`, takes the applier lock, migrates, and reads the position. */
  static async open(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const pool = new pg.Pool({
      connectionString: url,
      max: (options.readConnectionsMax ?? 4) + 1,
      types: bigintAsNumber,
    })
    // An idle connection that the server drops is replaced at the next query; without a
    // listener its error would end the process.
    pool.on('error', () => undefined)
    let writer: pg.PoolClient | undefined
    try {
      writer = await pool.connect()
      await takeApplierLock(writer, options.lockWaitMs ?? 10_000, redactUrl(url))
      const synchronous = options.synchronousCommit === true ? 'on' : 'off'
      await writer.query(`SET synchronous_commit = ${synchronous}`)
      await migrate(drizzle({ client: writer }), { migrationsFolder: MIGRATIONS })
      const storage = new PostgresStorage(redactUrl(url), pool, writer, options)
      await storage.keepLeavesOf(options.leafFormat ?? stateLeafFormat)
      storage.appliedIndex = (await storage.position()).index
      storage.prunedBelow = Number((await storage.metaValue('history_pruned_below')) ?? '0')
      return storage
    } catch (error) {
      writer?.release(true)
      await pool.end()
      throw error
    }
  }

  get historyPrunedBelow(): number {
    return this.prunedBelow
  }

  async close(): Promise<void> {
    // Dropping the writer's session releases the advisory lock.
    this.writer.release(true)
    await this.pool.end()
  }

  async divergence(): Promise<Divergence | undefined> {
    return parseDivergence(await this.metaValue(divergenceKey))
  }

  /**
   * On a pooled connection of its own, not the writer's: a commit's transaction may be open
   * there, and the row is no commit's.
   */
  async recordDivergence(divergence: Divergence): Promise<void> {
    await this.pool.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ' +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [divergenceKey, divergenceText(divergence)],
    )
  }

  async genesisHash(): Promise<string | undefined> {
    return this.metaValue('genesis_hash')
  }

  async initialize(
    genesisHash: string,
    balances: LedgerSnapshot['balances'],
    markets: readonly string[],
  ): Promise<void> {
    await this.transaction(async (client) => {
      const rows = balances.map(({ address, token, available, locked }) => [
        hexToBytes(address),
        token,
        available.toString(),
        locked.toString(),
        ...balanceLeafColumns(address, token, available, locked),
      ])
      const [addresses, tokens, available, locked, buckets, digests] = columnsOf(rows, 6)
      await client.query(
        'INSERT INTO balance_history (address, token, batch_index, available, locked) ' +
          'SELECT a, t, 0, v, l FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[]) ' +
          'AS u(a, t, v, l)',
        [addresses, tokens, available, locked],
      )
      await client.query(
        'INSERT INTO balances (address, token, available, locked, leaf_bucket, leaf_digest) ' +
          'SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::int[], ' +
          '$6::bytea[])',
        [addresses, tokens, available, locked, buckets, digests],
      )
      await client.query(
        'INSERT INTO market_state (market, trade_seq, book_seq) SELECT m, 0, 0 FROM unnest($1::text[]) AS m',
        [markets],
      )
      await client.query(
        "INSERT INTO chaining_hashes (batch_index, chaining_hash, time) VALUES (0, '', 0)",
      )
      await setMeta(client, [
        ['genesis_hash', genesisHash],
        ['applied_index', '0'],
        ['applied_chaining_hash', ''],
        ['applied_time', '0'],
      ])
    })
    this.appliedIndex = 0
  }

  async installState(genesisHash: string, state: InstalledState): Promise<void> {
    const { index, chainingHash, time, finalizedIndex } = state.position
    await this.transaction(async (client) => {
      const { rows } = await client.query("SELECT 1 FROM meta WHERE key = 'genesis_hash'")
      if (rows.length > 0) throw new Error('the database is not fresh')
      // The market rows first: `writeRows` sets their sequence numbers.
      await client.query(
        'INSERT INTO market_state (market, trade_seq, book_seq) SELECT m, 0, 0 FROM unnest($1::text[]) AS m',
        [state.markets.map(({ market }) => market)],
      )
      await writeRows(client, installedStateRows(state))
      const meta: [string, string][] = [
        ['genesis_hash', genesisHash],
        ['applied_index', String(index)],
        ['applied_chaining_hash', chainingHash],
        ['applied_time', String(time)],
        ['history_pruned_below', String(index + 1)],
        ['balance_history_pruned_below', String(index)],
      ]
      if (finalizedIndex !== undefined)
        meta.push(['applied_finalized_index', String(finalizedIndex)])
      await setMeta(client, meta)
    })
    this.appliedIndex = index
    this.prunedBelow = index + 1
  }

  position(): Promise<AppliedPosition> {
    return this.reads.position()
  }

  async loadState(
    tokens: readonly TokenInfo[],
    issuer: Address,
    markets: readonly string[],
  ): Promise<StoredState> {
    // One snapshot, so the pieces are of one position even if something else wrote meanwhile.
    return this.reads.snapshot(async (client) => {
      const pageRows = this.options.restorePageRows
      const ledgerLeaves = { balances: [] as KeptLeafOfRow[], nonceWindows: [] as KeptLeafOfRow[] }
      const balances = await readBalancesPg(client, pageRows, ledgerLeaves.balances)
      const nonceWindows = await readNonceWindowsPg(client, pageRows, ledgerLeaves.nonceWindows)
      const marketRows = await client.query<{
        market: string
        trade_seq: number
        book_seq: number
      }>('SELECT market, trade_seq, book_seq FROM market_state')
      const openRows = await client.query<OrderRow & { placed_position: number }>(
        "SELECT * FROM orders WHERE status = 'open' ORDER BY placed_index, placed_position",
      )
      const ledger: StoredLedger = { tokens, issuer, balances, nonceWindows }
      const bookSeqs = new Map(marketRows.rows.map((row) => [row.market, row.book_seq]))
      const missing = markets.filter((market) => !bookSeqs.has(market))
      if (missing.length > 0) throw new Error(`no stored state for markets ${missing.join(', ')}`)
      const tradeSeqs = new Map(marketRows.rows.map((row) => [row.market, row.trade_seq]))
      const position = await this.position()
      return {
        position,
        ledger,
        ledgerLeaves,
        bookSeqs,
        engineOperations: [],
        openOrders: openRows.rows.map(toOrderUpdate),
        tradeSeqs,
        time: position.time,
      }
    })
  }

  async finishUpgrade(
    markets: readonly { market: string; tradeSeq: number; bookSeq: number }[],
  ): Promise<void> {
    const rows = markets.map(({ market, tradeSeq, bookSeq }) => [market, tradeSeq, bookSeq])
    await this.transaction(async (client) => {
      await client.query(
        'INSERT INTO market_state (market, trade_seq, book_seq) ' +
          'SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) ' +
          'ON CONFLICT (market) DO UPDATE SET trade_seq = excluded.trade_seq, book_seq = excluded.book_seq',
        columnsOf(rows, 3),
      )
    })
  }

  async commitBatches(group: readonly CommittedBatch[], finalizedIndex?: number): Promise<void> {
    const last = group.at(-1)
    if (last === undefined) return
    let previous = this.appliedIndex
    for (const { effects } of group) {
      if (effects.index !== previous + 1) {
        throw new Error(`commit of batch ${effects.index} after ${previous}`)
      }
      if (effects.nonces.length !== effects.receipts.length) {
        throw new Error(`batch ${effects.index}: nonces and receipts differ in number`)
      }
      previous = effects.index
    }
    this.prunedBelowAfterCommit = undefined
    await this.transaction(async (client) => {
      await writeRows(client, toCommitRows(group))
      const meta: [string, string][] = [
        ['applied_index', String(last.effects.index)],
        ['applied_chaining_hash', last.chainingHash],
        ['applied_time', String(last.effects.time)],
      ]
      if (finalizedIndex !== undefined)
        meta.push(['applied_finalized_index', String(finalizedIndex)])
      else await client.query("DELETE FROM meta WHERE key = 'applied_finalized_index'")
      await setMeta(client, meta)
      await this.pruneHistory(client, last.effects.index)
      this.options.hooks?.insideCommit(group.map(({ effects }) => effects.index))
    })
    this.appliedIndex = last.effects.index
    this.prunedBelow = this.prunedBelowAfterCommit ?? this.prunedBelow
  }

  balanceAt(
    address: string,
    token: string,
    index: number,
  ): Promise<{ available: bigint; locked: bigint } | { prunedBelow: number }> {
    return this.reads.balanceAt(address, token, index)
  }

  chainingHashAt(index: number): Promise<string | undefined> {
    return this.reads.chainingHashAt(index)
  }

  receipt(intentId: string): Promise<StoredReceipt | undefined> {
    return this.reads.receipt(intentId)
  }

  ordersPage(parameters: OrdersPageParameters): Promise<OrdersPage> {
    return this.reads.ordersPage(parameters)
  }

  order(orderId: string): Promise<OrderView | undefined> {
    return this.reads.order(orderId)
  }

  tradesPage(market: string, limit: number, beforeSeq: number | undefined): Promise<Trade[]> {
    return this.reads.tradesPage(market, limit, beforeSeq)
  }

  /**
   * Deletes, in the commit, at most `historyPruneRowsMax` rows of each history table of batches
   * more than `historyRetainBatches` behind, oldest first (see `ReplicaStore.pruneHistory`).
   */
  private async pruneHistory(client: pg.PoolClient, appliedIndex: number): Promise<void> {
    const retain = this.options.historyRetainBatches
    if (retain === undefined) return
    const below = appliedIndex - retain + 1
    await this.pruneBalanceHistory(client, below)
    if (below <= this.prunedBelow) return
    const deleted: number[] = []
    for (const statement of PRUNE_STATEMENTS) {
      deleted.push((await client.query(statement, [below, historyPruneRowsMax])).rowCount ?? 0)
    }
    if (deleted.some((count) => count >= historyPruneRowsMax)) return
    await setMeta(client, [['history_pruned_below', String(below)]])
    this.prunedBelowAfterCommit = below
  }

  /** `ReplicaStore.pruneBalanceHistory`, in PostgreSQL. */
  private async pruneBalanceHistory(client: pg.PoolClient, below: number): Promise<void> {
    const mark = await client.query<{ value: string }>(
      "SELECT value FROM meta WHERE key = 'balance_history_pruned_below'",
    )
    const from = Number(mark.rows[0]?.value ?? '0')
    if (below <= from) return
    const { rows } = await client.query<{ batch_index: number }>(
      'SELECT batch_index FROM balance_history WHERE batch_index >= $1 AND batch_index < $2 ' +
        'ORDER BY batch_index LIMIT 1 OFFSET $3',
      [from, below, historyPruneRowsMax],
    )
    const next = rows[0]?.batch_index ?? below
    const upTo = Math.min(below, from + historyPruneRowsMax, Math.max(next, from + 1))
    await client.query(
      'DELETE FROM balance_history o USING (SELECT address, token, batch_index FROM ' +
        'balance_history WHERE batch_index >= $1 AND batch_index < $2) w ' +
        'WHERE o.address = w.address AND o.token = w.token AND o.batch_index < w.batch_index',
      [from, upTo],
    )
    await client.query('DELETE FROM chaining_hashes WHERE batch_index < $1', [upTo])
    await setMeta(client, [['balance_history_pruned_below', String(upTo)]])
  }

  private metaValue(key: string): Promise<string | undefined> {
    return this.reads.metaValue(key)
  }

  /** Forgets the kept leaves if they are of another format than `format`, and records it. */
  private async keepLeavesOf(format: string): Promise<void> {
    const recorded = await this.metaValue(leafFormatKey)
    if (recorded === format) return
    await this.transaction(async (client) => {
      if (keptLeavesOfAnotherFormat(recorded, format)) {
        for (const statement of forgetKeptLeaves) await client.query(statement)
      }
      await setMeta(client, [[leafFormatKey, format]])
    })
  }

  /** Runs `work` in one transaction on the writer connection; rolls back if it throws. */
  private async transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    await this.writer.query('BEGIN')
    try {
      await work(this.writer)
      await this.writer.query('COMMIT')
    } catch (error) {
      await this.writer.query('ROLLBACK').catch(() => undefined)
      throw error
    }
  }
}

function toOrderUpdate(row: OrderRow & { placed_position: number }): OrderUpdate {
  return {
    orderId: row.order_id as IntentId,
    market: row.market,
    owner: row.owner as Address,
    side: row.side,
    type: row.type,
    timeInForce: row.time_in_force,
    price: BigInt(row.price),
    quantity: BigInt(row.quantity),
    filled: BigInt(row.filled),
    remaining: BigInt(row.remaining),
    status: row.status,
    placedIndex: row.placed_index,
    placedPosition: row.placed_position,
    updatedIndex: row.updated_index,
    ...(row.reason === null ? {} : { reason: storedReasonCode(row.reason) }),
  }
}
