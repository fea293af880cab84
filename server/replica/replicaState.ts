import { stringToBytes, type Hex } from 'viem'
import type { ReplicaRegistry, StateSnapshot } from '../../shared/api/index.ts'
import type { RootStatement } from '../../shared/attest/index.ts'
import { BaseError } from '../../shared/errors/index.ts'
import {
  createExchange,
  restoreExchange,
  restoreParametersOf,
  type BatchEffects,
  type Exchange,
  type ExchangeConfig,
  type PreparedBatch,
} from '../../shared/exchange/index.ts'
import {
  createTokenRegistry,
  keccak256Hex,
  parseAddress,
  type SignerBackend,
} from '../../shared/intents/index.ts'
import { snapshotLedger, type LedgerGenesis, type NonceWindow } from '../../shared/ledger/index.ts'
import { initSha256 } from '../../shared/stateHash/index.ts'
import type { AppliedPosition, ReplicaStorage } from './store/replicaStorage.ts'

/**
 * A read of memory after a failed commit: memory is ahead of the database and matches no
 * batch's state, so nothing may be answered from it (the routes answer 503 `replica_halted`).
 */
export class ReplicaHaltedError extends BaseError {
  override name = 'ReplicaHaltedError' as const
}

/** A snapshot refused, or a database state sync cannot write into. */
export class StateSyncError extends BaseError {
  override name = 'StateSyncError' as const
}

/** What a replica's state is made of, besides its database. */
export interface StateConfig {
  readonly registry: ReplicaRegistry
  readonly genesis: LedgerGenesis
  readonly signerBackend?: SignerBackend
}

function exchangeConfigOf(config: StateConfig): ExchangeConfig {
  return {
    domain: { app: config.registry.app, network: config.registry.network },
    genesis: config.genesis,
    markets: config.registry.markets,
    ...(config.signerBackend === undefined ? {} : { signerBackend: config.signerBackend }),
  }
}

/** The tokens, issuer and market ids of the configuration: what a restore trusts. */
function trustedListsOf(config: StateConfig) {
  const issuer = parseAddress(config.genesis.issuer)
  if (!issuer.ok) throw new Error(`genesis issuer: ${issuer.reason}`)
  const tokens = [...createTokenRegistry(config.genesis.tokens).values()]
  const markets = config.registry.markets.map((market) => market.id)
  return { tokens, issuer: issuer.value, markets }
}

/** One finalized batch, as the Zellular SDK releases it. */
export interface FinalizedBatch {
  readonly index: number
  readonly body: string
  readonly chainingHash: string
  /**
   * Unix seconds of the finalization sync point that released it (quorum-signed); undefined
   * when the source has none (legacy proofs, test sequencers): the batch keeps the previous
   * batch's time (see `Exchange.time`).
   */
  readonly timestamp?: number | undefined
  /** The finalization that released it and that finalization's parent, when the source says. */
  readonly finalization?: { readonly index: number; readonly parentIndex: number } | undefined
}

/**
 * The replica's state: the in-memory exchange and the database it mirrors, kept equal batch by
 * batch. Applying a group is synchronous from the first exchange step to the start of its
 * commit; while that commit is in flight (a database server answers asynchronously) memory is
 * ahead of the database, so every read of memory first awaits `settled()`: no read ever sees a
 * half-applied batch, and the database always holds exactly the state of `position` when one
 * runs.
 *
 * If applying or committing fails after the exchange has changed (a full disk, an I/O error, a
 * broken invariant), memory is ahead of the database and matches no batch's state: the state
 * halts before any read of memory can run again. A halted state applies nothing more, and the
 * routes that sign refuse to (`halted`); the process must restart from the database, which
 * still holds the last committed batch.
 */
export class ReplicaState {
  private haltedBy: Error | undefined
  /** Resolves when the commit in flight has landed (or failed); undefined when none is. */
  private committing: Promise<void> | undefined

  private constructor(
    readonly exchange: Exchange,
    readonly storage: ReplicaStorage,
    private current: AppliedPosition,
    /** Hash of the configuration the state at index 0 was made of; signed with every balance. */
    readonly genesisHash: string,
  ) {}

  /**
   * Opens the state: a fresh database is initialized from genesis; an existing one is loaded
   * and the exchange rebuilt from it. Refuses a database made from another configuration.
   */
  static async open(store: ReplicaStorage, config: StateConfig): Promise<ReplicaState> {
    await initSha256()
    const exchangeConfig = exchangeConfigOf(config)
    const expectedHash = configurationHash(exchangeConfig)
    const storedHash = await store.genesisHash()
    if (storedHash === undefined) {
      const exchange = createExchange(exchangeConfig)
      const markets = [...exchange.markets.keys()]
      await store.initialize(expectedHash, snapshotLedger(exchange.ledger).balances, markets)
      return new ReplicaState(exchange, store, await store.position(), expectedHash)
    }
    if (storedHash !== expectedHash) {
      throw new Error('the database was made from another genesis or market configuration')
    }
    const { tokens, issuer, markets } = trustedListsOf(config)
    const stored = await store.loadState(tokens, issuer, markets)
    const exchange = restoreExchange(exchangeConfig, stored)
    if (stored.bookSeqs === undefined) {
      // A database from before migration 0008: its books were replayed this once.
      await store.finishUpgrade(
        markets.map((market) => ({
          market,
          tradeSeq: exchange.tradeSeq(market),
          bookSeq: exchange.engine.marketSeq(market),
        })),
      )
    }
    return new ReplicaState(exchange, store, stored.position, storedHash)
  }

  /**
   * Opens a fresh database from a peer's snapshot (state sync): rebuilds the exchange from it
   * (tokens, issuer and markets from `config`, never from the snapshot), refuses it unless its
   * index, chaining hash, time and state hash are those of `root`, the root a quorum of replicas
   * signed (checked by the caller), and writes it (`ReplicaStorage.installState`).
   */
  static async openFromSnapshot(
    store: ReplicaStorage,
    config: StateConfig,
    snapshot: StateSnapshot,
    root: RootStatement,
  ): Promise<ReplicaState> {
    if ((await store.genesisHash()) !== undefined) {
      throw new StateSyncError('state sync needs a fresh database; this one holds a state')
    }
    await initSha256()
    const exchangeConfig = exchangeConfigOf(config)
    const { tokens, issuer, markets } = trustedListsOf(config)
    // No finalization is taken from the peer: reading Zellular resumes from the chaining hash
    // alone, as after a restart on a database that kept none.
    const position = {
      index: snapshot.index,
      chainingHash: snapshot.chainingHash,
      time: snapshot.time,
    }
    if (
      position.index !== root.index ||
      position.chainingHash !== root.chainingHash ||
      position.time !== root.time
    ) {
      throw new StateSyncError(
        `the snapshot is of index ${position.index} (${position.chainingHash}, ${position.time}), ` +
          `the quorum root of index ${root.index} (${root.chainingHash}, ${root.time})`,
      )
    }
    // A snapshot that does not even rebuild (an order that cannot rest, a malformed balance) is
    // the serving peer's fault like one of another root: refused, and the next peer asked.
    let restored: ReturnType<typeof restoreParametersOf>
    let exchange: Exchange
    try {
      restored = restoreParametersOf(snapshot, tokens, issuer, markets)
      exchange = restoreExchange(exchangeConfig, restored)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new StateSyncError(`the snapshot does not rebuild: ${reason}`, { cause: error })
    }
    const rebuilt = exchange.stateHash()
    if (rebuilt !== root.stateHash) {
      throw new StateSyncError(
        `the snapshot's state hash ${rebuilt} is not the quorum root ${root.stateHash}`,
      )
    }
    const genesisHash = configurationHash(exchangeConfig)
    await store.installState(genesisHash, {
      position,
      balances: restored.ledger.balances,
      nonceWindows: restored.ledger.nonceWindows.filter(
        (window): window is NonceWindow => 'nonces' in window,
      ),
      openOrders: restored.openOrders,
      markets: snapshot.markets,
    })
    // The exchange just checked is the state the database now holds, as after any commit; a
    // restart later loads it back (the storage case suite checks that it gives the same root).
    return new ReplicaState(exchange, store, await store.position(), genesisHash)
  }

  get position(): AppliedPosition {
    return this.current
  }

  /** Why memory and database may disagree, once they may; undefined while they are equal. */
  get halted(): Error | undefined {
    return this.haltedBy
  }

  /**
   * Resolves once memory equals the committed position: at once when no commit is in flight
   * (always, between SQLite commits). Memory reads start right after it, with no await between.
   * Rejects with `ReplicaHaltedError` once a commit failed.
   */
  async settled(): Promise<void> {
    while (this.committing !== undefined) await this.committing
    // A read held back by a commit that failed resumes before the failure reaches the apply
    // loop's handler, and the process may serve requests a while longer before it exits.
    if (this.haltedBy !== undefined) {
      throw new ReplicaHaltedError('the replica state halted after a failed commit', {
        cause: this.haltedBy,
      })
    }
  }

  /**
   * Applies and commits one batch; it must be the next one. `prepared` is the batch body already
   * parsed and verified by `prepareBatch` (e.g. in a worker thread); without it, it is done here.
   */
  async apply(batch: FinalizedBatch, prepared?: PreparedBatch): Promise<BatchEffects> {
    return (await this.applyGroup([{ batch, prepared }]))[0] as BatchEffects
  }

  /**
   * Applies consecutive batches, in order, and commits them in one database transaction (see
   * `ReplicaStorage.commitBatches`). Returns each batch's effects. `afterCommit` runs once the
   * commit landed and before any read held back by `settled()` resumes, so events leave in the
   * same step the position moves.
   */
  async applyGroup(
    group: readonly { batch: FinalizedBatch; prepared?: PreparedBatch | undefined }[],
    afterCommit?: (all: BatchEffects[]) => void,
  ): Promise<BatchEffects[]> {
    const last = group.at(-1)
    if (last === undefined) return []
    if (this.committing !== undefined) throw new Error('a commit is already in flight')
    if (this.haltedBy !== undefined) {
      throw new Error('the replica state halted after a failed apply', { cause: this.haltedBy })
    }
    // Checked before the exchange changes, so a wrong group leaves memory as it was.
    for (const [position, { batch }] of group.entries()) {
      const expected = this.current.index + 1 + position
      if (batch.index !== expected) {
        throw new Error(`batch ${batch.index} does not follow ${expected - 1}`)
      }
    }
    let release = () => {}
    this.committing = new Promise((resolve) => (release = resolve))
    try {
      const all = group.map(({ batch, prepared }) => {
        const syncPointMs = batch.timestamp === undefined ? undefined : batch.timestamp * 1000
        return prepared === undefined
          ? this.exchange.applyBatch(batch.body, batch.index, syncPointMs)
          : this.exchange.applyPrepared(prepared, batch.index, syncPointMs)
      })
      const finalizedIndex = lastFinalizationAt(last.batch)
      await this.storage.commitBatches(
        all.map((effects, position) => ({
          effects,
          chainingHash: group[position]!.batch.chainingHash,
        })),
        finalizedIndex,
      )
      const { index, chainingHash } = last.batch
      this.current = { index, chainingHash, time: this.exchange.time, finalizedIndex }
      afterCommit?.(all)
      return all
    } catch (error) {
      this.haltedBy = error instanceof Error ? error : new Error(String(error))
      throw error
    } finally {
      // Reads held back resume now, ahead of the caller's continuation (queued after them).
      this.committing = undefined
      release()
    }
  }

  /**
   * The canonical state hash at the applied index (`docs/state-hash.md`): incremental, it costs
   * what changed since the last call. The replica asks for it through `StateHashSchedule`.
   */
  stateHash(): Hex {
    return this.exchange.stateHash()
  }
}

/**
 * The last finalization at or before `batch`: the one that released it if it is that sync
 * point, else that one's parent. Stored with the position so that reading resumes with the
 * parent link checked (`finalizedIndex`), and every replica's batches keep the times of the same
 * finalizations.
 */
function lastFinalizationAt(batch: FinalizedBatch): number | undefined {
  const finalization = batch.finalization
  if (finalization === undefined) return undefined
  return finalization.index === batch.index ? finalization.index : finalization.parentIndex
}

/**
 * Hash of what the state at index 0 is made of, stored so a database is never reused wrongly.
 * keccak-256 in WebAssembly once `initKeccak` has loaded it: the genesis of 100,000 accounts is
 * 10 MB of JSON, which the JavaScript keccak took 0.8 s of every start to hash.
 */
export function configurationHash(config: ExchangeConfig): string {
  const { domain, genesis, markets } = config
  return keccak256Hex(stringToBytes(JSON.stringify({ domain, genesis, markets })))
}
