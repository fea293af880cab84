import type { OrderView, Trade } from '../../../shared/api/index.ts'
import type { Address, TokenInfo } from '../../../shared/intents/index.ts'
import type { LedgerSnapshot, NonceWindow, StoredLedger } from '../../../shared/ledger/index.ts'
import type { BatchEffects, EngineOperation, OrderUpdate } from '../../../shared/exchange/index.ts'
import type { Divergence } from '../divergenceWatch.ts'
import type { KeptLedgerLeaves } from './keptLeaves.ts'

/*
 * The replica's persistence seam: what the apply loop commits, what a restart loads and what the
 * read routes query, whatever database holds it. `SqliteStorage` (embedded, the default) and
 * `PostgresStorage` (`REPLICA_DATABASE_URL=postgres://…`) implement it, and both pass the one case
 * suite in `replicaStorage.case.ts`.
 */

/**
 * Rows of each history table (receipts, trades, closed orders) that one commit deletes at most,
 * so that pruning is bounded work per commit however far behind it is.
 */
export const historyPruneRowsMax = 2_000

/** Where the replica stands: the last applied batch and its chaining hash. */
export interface AppliedPosition {
  readonly index: number
  /** "" at index 0. */
  readonly chainingHash: string
  /** The applied batch's deterministic time in ms (`Exchange.time`); 0 at genesis. */
  readonly time: number
  /**
   * The last Zellular finalization at or before `index`, when known (0 at genesis): reading
   * resumes with it, so the first proof read must link to it.
   */
  readonly finalizedIndex?: number | undefined
}

/** A stored receipt. */
export interface StoredReceipt {
  readonly intentId: string
  readonly action: string
  readonly signer: string
  readonly status: 'applied' | 'rejected'
  readonly reason: string | null
  readonly batchIndex: number
  /** The batch's time; null for batches applied before migration 0005. */
  readonly time: number | null
}

/**
 * A whole consensus state at one index, taken from a peer's snapshot and already checked against
 * the root a quorum signed there (state sync, `stateSync.ts`), for `installState`.
 */
export interface InstalledState {
  readonly position: AppliedPosition
  /** Every non-zero balance. */
  readonly balances: LedgerSnapshot['balances']
  /** Every non-empty nonce window. */
  readonly nonceWindows: readonly NonceWindow[]
  readonly openOrders: readonly OrderUpdate[]
  readonly markets: readonly { market: string; tradeSeq: number; bookSeq: number }[]
}

/** What `loadState` reads back to rebuild the exchange. */
export interface StoredState {
  readonly position: AppliedPosition
  readonly ledger: StoredLedger
  /** The state-tree leaves kept beside the `ledger` rows (`keptLeaves.ts`), in their order. */
  readonly ledgerLeaves?: KeptLedgerLeaves | undefined
  /**
   * Each market's book sequence number; undefined for a database from before migration 0008,
   * whose books are then rebuilt by replaying `engineOperations` (see `finishUpgrade`).
   */
  readonly bookSeqs: Map<string, number> | undefined
  /** Empty unless `bookSeqs` is undefined. */
  readonly engineOperations: EngineOperation[]
  readonly openOrders: OrderUpdate[]
  readonly tradeSeqs: Map<string, number>
  /** The applied batch's deterministic time (`position.time`). */
  readonly time: number
}

/**
 * The store's one test seam (crash and full-disk faults, `storeFaults.ts`): called inside each
 * commit's transaction after its writes, with the batch indexes it commits; a throw rolls the
 * commit back. Only the test wiring of `main.ts` installs hooks; a store has none by default.
 */
export interface StoreHooks {
  insideCommit(indexes: readonly number[]): void
}

/** One applied batch as the apply loop hands it to `commitBatches`. */
export interface CommittedBatch {
  readonly effects: BatchEffects
  /** Zellular's chaining hash of the batch. */
  readonly chainingHash: string
}

/** Where a page of orders resumes: after this order of this group. */
export interface OrdersCursor {
  readonly group: 'open' | 'closed'
  readonly updatedIndex: number
  readonly orderId: string
}

/** Parameters of `ReplicaStorage.ordersPage`. */
export interface OrdersPageParameters {
  readonly owner: string
  readonly market: string | undefined
  readonly limit: number
  readonly cursor: OrdersCursor | undefined
}

/** One page of an owner's orders and where the next one starts (null: none). */
export interface OrdersPage {
  readonly orders: OrderView[]
  readonly next: OrdersCursor | null
}

/**
 * The replica's persistence. One writer (the apply loop) commits; any number of readers query.
 *
 * **No read ever sees a half-applied batch.** `commitBatches` stores a group of batches (every
 * effect, each chaining hash and time, the new position, history pruning) in one transaction:
 * a crash at any instant leaves exactly the state of some batch, and every query answers from
 * the state of one committed position, never from part of a group. A query that reads several
 * rows (`ordersPage`) reads them all from one snapshot. What the replica holds in memory (the
 * exchange) runs ahead of the database only while a commit is in flight, and `ReplicaState`
 * holds memory reads back until it lands (`ReplicaState.settled`).
 *
 * Methods return promises where a database server needs them (PostgreSQL); the embedded SQLite
 * implementation does its work synchronously inside each call.
 */
export interface ReplicaStorage {
  /** Which database this is, for logs; `sqlite:<file>` or `postgres://host:port/db`. */
  readonly location: string
  /**
   * The history (receipts, trades, closed orders) of batches below this index is pruned; 0 when
   * nothing is. Reads that reach below it answer 404 `pruned` (or say so).
   */
  readonly historyPrunedBelow: number

  /** The stored genesis hash, or undefined for a fresh database. */
  genesisHash(): Promise<string | undefined>
  /**
   * Writes the state at index 0 into a fresh database: genesis balances (also as history at 0),
   * each market at sequence numbers 0, the position, and the hash of the configuration.
   */
  initialize(
    genesisHash: string,
    balances: LedgerSnapshot['balances'],
    markets: readonly string[],
  ): Promise<void>
  /**
   * Writes `state` into a fresh database as the state at its index (state sync), as `initialize`
   * writes genesis: balances (also as history at that index), nonce windows, open orders, each
   * market's sequence numbers, the position and chaining hash, and the configuration hash. The
   * history of the batches up to that index is not here, and reads say it is pruned (receipts,
   * trades and closed orders below index + 1, balances below index). All or nothing.
   */
  installState(genesisHash: string, state: InstalledState): Promise<void>
  /** The stored position. */
  position(): Promise<AppliedPosition>
  /**
   * Everything needed to rebuild the exchange of `markets` as of the stored position, read from
   * the tables of the current state: O(accounts + open orders), whatever the history.
   */
  loadState(
    tokens: readonly TokenInfo[],
    issuer: Address,
    markets: readonly string[],
  ): Promise<StoredState>
  /**
   * Completes the upgrade of a database from before migration 0008 once its books were rebuilt
   * by replaying `engine_operations`: stores every market's sequence numbers and empties them.
   */
  finishUpgrade(
    markets: readonly { market: string; tradeSeq: number; bookSeq: number }[],
  ): Promise<void>
  /**
   * Commits consecutive applied batches in one transaction, each under its own index, then the
   * position of the last one (and `finalizedIndex`, the last finalization at or before it);
   * prunes history past the retention. All or nothing. Rejects if the first batch does not
   * directly follow the stored position.
   */
  commitBatches(group: readonly CommittedBatch[], finalizedIndex?: number): Promise<void>
  /**
   * The divergence this replica found in this database's state (`divergenceRecord.ts`), or
   * undefined: none found, or a fresh database (state sync installs only into one).
   */
  divergence(): Promise<Divergence | undefined>
  /**
   * Keeps `divergence` until the database is replaced; safe while a commit is in flight (it
   * writes no row a commit writes).
   */
  recordDivergence(divergence: Divergence): Promise<void>

  /**
   * The balance of (address, token) as of batch `index` (0 when never credited by then), or
   * `prunedBelow` when the history retention pruned the balances of batches below that mark
   * (only each key's latest row below it is kept, which answers every index from it on; see
   * `ReplicaStore.pruneBalanceHistory`). The mark and the balance are read together, so a
   * prune committing meanwhile never shows a half-pruned history.
   */
  balanceAt(
    address: string,
    token: string,
    index: number,
  ): Promise<{ available: bigint; locked: bigint } | { prunedBelow: number }>
  /**
   * Zellular's chaining hash of applied batch `index` ("" at 0); undefined for an index not
   * applied yet, or applied before this database kept them (migration 0004).
   */
  chainingHashAt(index: number): Promise<string | undefined>
  /** The receipt of an intent, with its batch's time. */
  receipt(intentId: string): Promise<StoredReceipt | undefined>
  /**
   * One page of an owner's orders: open ones, then closed ones, each group most recently updated
   * first, each order with its latest fills.
   */
  ordersPage(parameters: OrdersPageParameters): Promise<OrdersPage>
  /** One order with its latest fills, or undefined when never placed (or its history pruned). */
  order(orderId: string): Promise<OrderView | undefined>
  /** One page of a market's trades, newest first, below trade `beforeSeq` when given. */
  tradesPage(market: string, limit: number, beforeSeq: number | undefined): Promise<Trade[]>

  close(): Promise<void>
}
