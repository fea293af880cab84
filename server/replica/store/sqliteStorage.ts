import type { OrderView, Trade } from '../../../shared/api/index.ts'
import type { LedgerSnapshot } from '../../../shared/ledger/index.ts'
import type { Address, TokenInfo } from '../../../shared/intents/index.ts'
import type { Divergence } from '../divergenceWatch.ts'
import { MarketPages } from './marketPages.ts'
import { ReplicaStore } from './replicaStore.ts'
import type {
  AppliedPosition,
  CommittedBatch,
  InstalledState,
  OrdersPage,
  OrdersPageParameters,
  ReplicaStorage,
  StoredReceipt,
  StoredState,
  StoreHooks,
} from './replicaStorage.ts'

/** Options of `openSqliteStorage`. */
export interface SqliteStorageOptions {
  synchronous?: 'FULL' | 'NORMAL'
  hooks?: StoreHooks
  /** Keep the history of the last this many batches; default all. */
  historyRetainBatches?: number
  /** Rows per page of a restart's reads of balances and nonce windows (default 20,000). */
  restorePageRows?: number
  /** The format of the leaves this code keeps (default `stateLeafFormat`; tests vary it). */
  leafFormat?: string
}

/** Opens (creating and migrating as needed) the SQLite database in `file`. */
export function openSqliteStorage(file: string, options: SqliteStorageOptions = {}): SqliteStorage {
  return new SqliteStorage(new ReplicaStore(file, options))
}

/**
 * The embedded default: `ReplicaStore` (better-sqlite3, synchronous) behind `ReplicaStorage`.
 * Every method does its work synchronously inside the call and returns a settled promise, so
 * a commit is on disk before `commitBatches` returns, and no read can run in between: SQLite's
 * one connection never shows a reader part of a transaction.
 */
export class SqliteStorage implements ReplicaStorage {
  private readonly pages: MarketPages

  constructor(readonly store: ReplicaStore) {
    this.pages = new MarketPages(store.sqlite)
  }

  get location(): string {
    return `sqlite:${this.store.sqlite.name}`
  }

  get historyPrunedBelow(): number {
    return this.store.historyPrunedBelow
  }

  genesisHash(): Promise<string | undefined> {
    return settle(() => this.store.genesisHash())
  }

  initialize(
    genesisHash: string,
    balances: LedgerSnapshot['balances'],
    markets: readonly string[],
  ): Promise<void> {
    return settle(() => this.store.initialize(genesisHash, balances, markets))
  }

  installState(genesisHash: string, state: InstalledState): Promise<void> {
    return settle(() => this.store.installState(genesisHash, state))
  }

  position(): Promise<AppliedPosition> {
    return settle(() => this.store.position())
  }

  loadState(
    tokens: readonly TokenInfo[],
    issuer: Address,
    markets: readonly string[],
  ): Promise<StoredState> {
    return settle(() => this.store.loadState(tokens, issuer, markets))
  }

  finishUpgrade(
    markets: readonly { market: string; tradeSeq: number; bookSeq: number }[],
  ): Promise<void> {
    return settle(() => this.store.finishUpgrade(markets))
  }

  commitBatches(group: readonly CommittedBatch[], finalizedIndex?: number): Promise<void> {
    return settle(() => this.store.commitBatches(group, finalizedIndex))
  }

  divergence(): Promise<Divergence | undefined> {
    return settle(() => this.store.divergence())
  }

  recordDivergence(divergence: Divergence): Promise<void> {
    return settle(() => this.store.recordDivergence(divergence))
  }

  balanceAt(
    address: string,
    token: string,
    index: number,
  ): Promise<{ available: bigint; locked: bigint } | { prunedBelow: number }> {
    return settle(() => this.store.balanceAt(address, token, index))
  }

  chainingHashAt(index: number): Promise<string | undefined> {
    return settle(() => this.store.chainingHashAt(index))
  }

  receipt(intentId: string): Promise<StoredReceipt | undefined> {
    return settle(() => {
      const found = this.store.receipt(intentId)
      if (found === undefined) return undefined
      // The row has more columns (nonce, position) than a receipt answer carries.
      const { action, signer, status, reason, batchIndex, time } = found
      return { intentId: found.intentId, action, signer, status, reason, batchIndex, time }
    })
  }

  ordersPage(parameters: OrdersPageParameters): Promise<OrdersPage> {
    return settle(() => this.pages.orders(parameters))
  }

  order(orderId: string): Promise<OrderView | undefined> {
    return settle(() => this.pages.order(orderId))
  }

  tradesPage(market: string, limit: number, beforeSeq: number | undefined): Promise<Trade[]> {
    return settle(() => this.pages.trades(market, limit, beforeSeq))
  }

  close(): Promise<void> {
    return settle(() => this.store.close())
  }
}

/** Runs `work` now; its result or its throw as a settled promise (never a synchronous throw). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work())
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)))
  }
}
