import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import type { NetworkResponse, ReplicaRegistry } from '../../shared/api/index.ts'
import {
  blsPublicKeyOf,
  createBlsVerifier,
  herumi,
  registryHashOf,
} from '../../shared/attest/index.ts'
import type { LedgerGenesis } from '../../shared/ledger/index.ts'
import { createCachingSignerBackend, type BatchItemEncoding } from '../../shared/intents/index.ts'
import { takeStateSnapshot } from '../../shared/exchange/index.ts'
import type { NodeState } from '../../shared/zellular/index.ts'
import { createApp, type ReplicaApp } from './app.ts'
import { runApplyLoop, type BatchSource } from './applyLoop.ts'
import { BalanceSigner } from './balanceSigner.ts'
import { BatchSubmitter } from './batchSubmitter.ts'
import { DroppedReceipts } from './droppedReceipts.ts'
import { EventHub, firstEventIdNow } from './eventHub.ts'
import { IntentStages } from './intentStages.ts'
import { PendingIntents } from './pendingIntents.ts'
import { PendingJournal } from './pendingJournal.ts'
import {
  compactJournal,
  forgetSpentNonces,
  recoverJournaled,
  redeliverOverdue,
} from './redelivery.ts'
import type { ReplicaDeps } from './replicaDeps.ts'
import {
  ReplicaState,
  StateSyncError,
  type FinalizedBatch,
  type StateConfig,
} from './replicaState.ts'
import { syncState } from './stateSync.ts'
import { DivergenceWatch, type Divergence } from './divergenceWatch.ts'
import { RootCheckpoints } from './rootCheckpoints.ts'
import { RootAttestations } from './rootAttestations.ts'
import { StateHashSchedule } from './stateHashSchedule.ts'
import { StateSnapshots } from './stateSnapshots.ts'
import { toSseEvents } from './sseEvents.ts'
import { VerifierPool } from './verifierPool.ts'
import { openReplicaStorage } from './store/openReplicaStorage.ts'
import type { ReplicaStorage, StoreHooks } from './store/replicaStorage.ts'
import { sleep } from '../../shared/wait/index.ts'

/** The replica's view of Zellular: the SDK client (`ZellularClient`) or a test double. */
export interface ZellularPort extends BatchSource {
  /** Zellular app name the replica's batches go to. */
  readonly app: string
  send(body: string): Promise<void>
  /** Several batches in one request (zsequencer's `PUT /node/batches`). */
  sendBulk?(bodies: readonly string[]): Promise<void>
  /** Zellular's last finalized batch; aborting `signal` ends the request. */
  lastFinalized(options?: { signal?: AbortSignal }): Promise<{ readonly index: number } | null>
  nodeStates(): Promise<NodeState[]>
}

/** Tunables of a replica; `main.ts` reads them from the environment. */
export interface ReplicaParameters {
  /** Origins allowed by CORS, or `*`. */
  readonly corsOrigins: readonly string[] | '*'
  readonly bodyLimitBytes: number
  /** How long a submitted intent waits for others to share its batch. */
  readonly batchWindowMs: number
  /** Largest batch posted to Zellular, in bytes. */
  readonly batchBytesMax: number
  /**
   * The form intents take in the batches this replica posts (`toBatchItem`): `compact` (about
   * half the bytes of `json`, the wire object). Replicas read both, whichever each other writes.
   */
  readonly batchEncoding: BatchItemEncoding
  /** Most intents waiting to be sequenced before submissions get 503. */
  readonly pendingMax: number
  /** Most requests posting batches to Zellular at once; more batches wait and go in bulk. */
  readonly submitInFlightMax: number
  /** Most batches in one bulk request (1: never bulk). */
  readonly submitBulkMax: number
  /** Per-replica timeout of `/aggregate_balance` requests. */
  readonly aggregateTimeoutMs: number
  /**
   * Whether each commit waits for the disk (`REPLICA_DURABILITY`): SQLite's `synchronous` in WAL
   * mode, PostgreSQL's `synchronous_commit` (FULL: on). Both survive a process crash (kill -9)
   * exactly once. With NORMAL a power loss (or a crash of the database server) may undo the
   * last commits; the replica then resumes from an earlier index and applies those batches
   * again from Zellular, which is the source of truth, so NORMAL is the default. FULL waits for
   * the disk at every commit.
   */
  readonly durability: 'FULL' | 'NORMAL'
  /**
   * Least time between two asks of Zellular's last finalized index, made when a `/status` wants
   * it; also the period of the sweep of pending intents.
   */
  readonly finalizedPollMs: number
  /**
   * Least time between two state hashes (for `/status` and SSE `applied` events); longer when a
   * hash is expensive, see `StateHashSchedule`.
   */
  readonly stateHashIntervalMs: number
  /**
   * Least time between two checks of this replica's latest root against its peers' attestations
   * of that index (`DivergenceWatch`): each costs a request to every peer and one aggregate
   * verification. A quorum of peers that signed another root makes the replica stop signing
   * and replace its state by state sync.
   */
  readonly divergenceCheckMs: number
  /**
   * Root attestations kept for `GET /root?index` (one is signed per state hash): enough for a
   * client to gather a quorum of them for the index a proof is at. Default 256.
   */
  readonly rootAttestationsKept?: number
  /**
   * History (receipts, trades and their fills, closed orders) is kept for the last this many
   * batches and pruned past them, at most `historyPruneRowsMax` rows per table per commit. Not
   * consensus state: replicas may keep different amounts of history.
   */
  readonly historyRetainBatches: number
  /**
   * Worker threads that verify batch signatures ahead of the apply loop (0: on the main thread).
   * Workers run the compiled `verifierThread.mjs` next to the replica's bundle (from source, in
   * tests, `server/replica/verifierThread.mjs`, which registers tsx).
   */
  readonly verifierThreads: number
  /** Most SSE streams at once; more get 503 `too_many_subscribers`. */
  readonly eventSubscribersMax: number
  /**
   * Most SSE streams one client IP address may hold at once; more get 429 `rate_limited`.
   * Below `eventSubscribersMax`, so one machine cannot take every stream (a browser tab holds
   * one per replica).
   */
  readonly eventStreamsPerClientMax: number
  /**
   * TCP connections one client IP address may hold open to the replica's port; more are closed
   * at once (`limitConnectionsPerClient`). Not applied with `rateLimits` off.
   */
  readonly connectionsPerClientMax: number
  /** Most events a stream's client may fall behind before it gets `reset` and is dropped. */
  readonly eventQueueMax: number
  /**
   * Submissions (`POST /transfer`, `/mint`, `/order`, `/cancel` together) each client IP address
   * may make per second, sustained; more get 429 `rate_limited`. Load generators that send
   * everything from one address (bench:replica, the cluster test) raise it explicitly.
   */
  readonly submitRatePerSecond: number
  /** Submissions a client IP address may make at once after a quiet spell. */
  readonly submitBurst: number
  /**
   * Signed-read units (`GET /balance`, `/balances`, `/aggregate_balance`, `/root_certificate`,
   * and `/orders`, `/order/:id` with `proof=1`, together) each client IP address may spend per
   * second: each read may cost fresh BLS signatures (about 2 ms each, on the apply thread), state
   * proofs or a fan-out to the peers. A read costs one unit, or one per balance signature it
   * makes where it makes more (`signedReadLimit`), so this bounds signatures, not requests.
   */
  readonly signedReadRatePerSecond: number
  /** Signed-read units a client IP address may spend at once after a quiet spell. */
  readonly signedReadBurst: number
  /**
   * New balance signatures this process makes per second for all its clients together
   * (`SigningBudget`); a read past it gets 503 `overloaded`, a read the signature cache answers
   * costs none. Default 100: about a quarter of one core (2.6 ms a signature,
   * `bls12381SignRoot` in BENCHMARKS.md), the rest left to applying (about 0.2 ms a transfer)
   * and the other requests, which share its thread. Applied with `rateLimits` off too.
   */
  readonly signaturesPerSecond: number
  /** New balance signatures this process may make at once after a quiet spell. */
  readonly signaturesBurst: number
  /**
   * Whether clients are limited per IP address at all (submissions, signed reads, snapshots).
   * Off only on an applier behind its API processes (`REPLICA_RATE_LIMITS=off`): they limit
   * each client before forwarding, and every request forwarded comes from their address, so
   * limits here would make all their clients share one allowance. Its port must be private.
   */
  readonly rateLimits: boolean
  /**
   * How long an intent whose batch a node accepted may stay unapplied before it is sent again
   * (then twice as long, up to 16 times): a node can acknowledge a batch and lose it.
   */
  readonly redeliverAfterMs: number
}

export const defaultReplicaParameters: ReplicaParameters = {
  corsOrigins: '*',
  bodyLimitBytes: 16 * 1024,
  batchWindowMs: 5,
  batchBytesMax: 5_000,
  batchEncoding: 'compact',
  pendingMax: 20_000,
  submitInFlightMax: 4,
  submitBulkMax: 8,
  aggregateTimeoutMs: 3_000,
  durability: 'NORMAL',
  finalizedPollMs: 1_000,
  stateHashIntervalMs: 1_000,
  divergenceCheckMs: 5_000,
  rootAttestationsKept: 256,
  historyRetainBatches: 1_000_000,
  verifierThreads: 0,
  eventSubscribersMax: 512,
  eventStreamsPerClientMax: 32,
  connectionsPerClientMax: 256,
  eventQueueMax: 10_000,
  submitRatePerSecond: 50,
  submitBurst: 100,
  signedReadRatePerSecond: 200,
  signedReadBurst: 400,
  signaturesPerSecond: 100,
  signaturesBurst: 100,
  rateLimits: true,
  redeliverAfterMs: 15_000,
}

export interface ReplicaConfig {
  readonly replicaId: string
  readonly registry: ReplicaRegistry
  readonly genesis: LedgerGenesis
  /** 32-byte BLS12-381 secret key. */
  readonly blsSecretKey: Uint8Array
  /**
   * The SQLite database file (the default storage); the pending journal lives beside it
   * (`<file>.pending.jsonl`) whichever storage holds the state.
   */
  readonly databaseFile: string
  /**
   * `postgres://…`: the state lives in that PostgreSQL database instead of `databaseFile`
   * (`REPLICA_DATABASE_URL`). Never shared between replicas.
   */
  readonly databaseUrl?: string | undefined
  readonly zellular: ZellularPort
  readonly parameters?: Partial<ReplicaParameters>
  /** Test faults inside commits (`storeFaults.ts`); production wiring installs none. */
  readonly storeHooks?: StoreHooks | undefined
  readonly log?: (line: string) => void
  readonly fetch?: typeof fetch
  /**
   * When set and the database is fresh, start from a peer's snapshot checked against a quorum
   * root (`stateSync.ts`) instead of replaying Zellular from index 0; `sources` are the URLs to
   * ask (default: every other registry replica). A replica that finds itself diverged syncs
   * from them too, set or not.
   */
  readonly stateSync?: { readonly sources?: readonly string[] | undefined } | undefined
}

/** A replica wired together: its HTTP app, its state, and the loops `start` runs. */
export interface Replica {
  readonly app: ReplicaApp
  readonly deps: ReplicaDeps
  /** The state now: another object once a divergence replaced it by state sync. */
  readonly state: ReplicaState
  /** Starts the apply loop and pollers; resolves when `stop` ends them, rejects on a fatal error. */
  start(): Promise<void>
  stop(): Promise<void>
}

/** Opens (or creates) the replica's database, rebuilds its state and wires the HTTP app. */
export async function createReplica(config: ReplicaConfig): Promise<Replica> {
  const parameters = { ...defaultReplicaParameters, ...config.parameters }
  const log = config.log ?? ((line: string) => console.log(line))
  const { registry, zellular } = config
  const openStorage = () =>
    openReplicaStorage({
      databaseFile: config.databaseFile,
      databaseUrl: config.databaseUrl,
      durability: parameters.durability,
      historyRetainBatches: parameters.historyRetainBatches,
      hooks: config.storeHooks,
    })
  let store = await openStorage()
  const stateConfig = {
    registry,
    genesis: config.genesis,
    // Shared by the submit routes and the inline apply path (see createCachingSignerBackend).
    signerBackend: createCachingSignerBackend(),
  }
  let state: ReplicaState
  /** A divergence found before a restart (`divergenceRecord.ts`): it holds from the start. */
  let recorded: Divergence | undefined
  try {
    state = await openState(store, stateConfig, config, log)
    recorded = await store.divergence()
  } catch (error) {
    await store.close()
    throw error
  }
  const roots = new RootAttestations(
    config.blsSecretKey,
    {
      app: registry.app,
      network: registry.network,
      registryHash: registryHashOf(registry),
      replicaId: config.replicaId,
    },
    parameters.rootAttestationsKept,
  )
  const bls = createBlsVerifier(herumi)
  const divergence = new DivergenceWatch({
    registry,
    replicaId: config.replicaId,
    latestRoot: () => {
      // Signs the hash at the applied index if one is due (the caller awaited `settled`).
      stateHashes.latest()
      return roots.latest()
    },
    bls,
    asking: { fetch: config.fetch ?? globalThis.fetch, timeoutMs: parameters.aggregateTimeoutMs },
    log,
    recorded,
  })
  if (recorded !== undefined) {
    log(
      `diverged at index ${recorded.index} (recorded in its database): signed ` +
        `${recorded.stateHash}, a quorum (${recorded.signers.join(', ')}) signed ` +
        `${recorded.quorumStateHash}; signing nothing until its state is replaced by state sync`,
    )
  }
  const newStateHashes = () =>
    new StateHashSchedule({
      // Every state hash is signed as it is made: the schedule bounds both costs together. A
      // diverged replica signs none: its state is one no quorum has.
      compute: () => {
        const { index, chainingHash, time } = state.position
        const hash = state.stateHash()
        if (divergence.diverged === undefined) {
          roots.record({ index, chainingHash, time, stateHash: hash })
        }
        return { index, hash }
      },
      appliedIndex: () => state.position.index,
      intervalMs: parameters.stateHashIntervalMs,
    })
  let stateHashes = newStateHashes()
  const identity = {
    app: registry.app,
    network: registry.network,
    replicaId: config.replicaId,
    genesisHash: state.genesisHash,
  }
  const controller = new AbortController()
  let finalizedIndex: number | null = null
  /**
   * Zellular's last finalized index is asked for when a `/status` wants it, at most once per
   * `finalizedPollMs`: a replica nobody asks sends the nodes nothing for it.
   */
  const askFinalized = cached(parameters.finalizedPollMs, async () => {
    try {
      const last = await untilAborted(
        zellular.lastFinalized({ signal: controller.signal }),
        controller.signal,
      )
      finalizedIndex = last?.index ?? finalizedIndex
    } catch {
      // Nodes unreachable: keep the last known value.
    }
  })
  // Beside the database: what this replica acknowledged and must see applied (`redelivery.ts`).
  const { journal, recovered } = PendingJournal.open(`${config.databaseFile}.pending.jsonl`)
  let stateSession = newStateSession()
  const deps: ReplicaDeps = {
    replicaId: config.replicaId,
    registry,
    get state() {
      return state
    },
    divergence,
    get stateSession() {
      return stateSession
    },
    signer: new BalanceSigner(config.blsSecretKey, identity),
    blsPublicKey: blsPublicKeyOf(config.blsSecretKey),
    submitter: new BatchSubmitter({
      send: (body) => zellular.send(body),
      ...(zellular.sendBulk === undefined
        ? {}
        : { sendBulk: (bodies: string[]) => zellular.sendBulk!(bodies) }),
      maxInFlight: parameters.submitInFlightMax,
      bulkMax: parameters.submitBulkMax,
      windowMs: parameters.batchWindowMs,
      maxBytes: parameters.batchBytesMax,
      maxQueued: parameters.pendingMax,
      log,
    }),
    pending: new PendingIntents(),
    journal,
    dropped: new DroppedReceipts(),
    hub: new EventHub({
      subscribersMax: parameters.eventSubscribersMax,
      firstId: firstEventIdNow(),
    }),
    stages: new IntentStages(),
    stateHash: () => stateHashes.latest(),
    roots,
    snapshots: new StateSnapshots(() =>
      takeStateSnapshot(state.exchange, state.position, config.replicaId),
    ),
    zellular: {
      async finalizedIndex() {
        // A node slow to answer leaves the last known value, not a status held for seconds.
        let timer: NodeJS.Timeout | undefined
        const late = new Promise((resolve) => (timer = setTimeout(resolve, FINALIZED_ASK_MAX_MS)))
        await Promise.race([askFinalized(), late])
        clearTimeout(timer)
        return finalizedIndex
      },
      network: cached(1_000, async () =>
        summarizeNetwork(zellular.app, await zellular.nodeStates()),
      ),
    },
    fetch: config.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    options: parameters,
    log,
    now: () => Date.now(),
  }
  await recoverJournaled(deps, recovered)
  const verifiers = new VerifierPool(
    parameters.verifierThreads,
    {
      tokens: state.exchange.ledger.tokens,
      domain: state.exchange.domain,
    },
    log,
  )
  let running: Promise<void> | undefined
  const onApplied: Parameters<typeof runApplyLoop>[0]['onApplied'] = (
    effects,
    batch,
    checkpoint,
  ) => {
    // First: at a root checkpoint memory is the state right after this batch (`endsGroup`).
    stateHashes.applied(batch.index, checkpoint)
    if (stateHashes.hashedIndex === batch.index && batch.index === state.position.index) {
      deps.snapshots.hashedAtApplied(batch.index)
    }
    const stamped = deps.stages.applied(effects)
    for (const receipt of effects.receipts) deps.pending.delete(receipt.intentId)
    for (const receipt of effects.droppedReceipts) deps.pending.delete(receipt.intentId)
    forgetSpentNonces(deps, effects)
    deps.dropped.record(effects)
    // Streams attached, or one that may resume soon (an API process's relay reconnecting).
    if (!deps.hub.wanted) return deps.stages.eventSent(stamped)
    const stateHash = stateHashes.afterApply(batch.index)
    const applied = { index: batch.index, chainingHash: batch.chainingHash, time: effects.time }
    const events = toSseEvents(
      effects,
      stateHash === undefined ? applied : { ...applied, stateHash },
    )
    // Stamped as the events leave, before any stream can deliver them.
    deps.stages.eventSent(stamped)
    deps.hub.publish(events)
  }
  const sweepPending = async () => {
    const signal = controller.signal
    while (!signal.aborted) {
      deps.pending.sweep(deps.now())
      redeliverOverdue(deps)
      compactJournal(deps)
      await sleep(parameters.finalizedPollMs, controller.signal)
    }
  }
  /** Ends the apply loop's session once a divergence is found, for `recover` to run. */
  let session = new AbortController()
  // A divergence its database records ends the first session before it applies anything.
  if (recorded !== undefined) session.abort()
  /** Keeps a divergence found in the database, so that a restart before the heal holds it. */
  const record = async (found: Divergence) => {
    try {
      await store.recordDivergence(found)
    } catch (error) {
      // Still diverged in memory: only a restart before the heal would forget it.
      const reason = error instanceof Error ? error.message : String(error)
      log(`divergence not recorded in the database: ${reason}`)
    }
  }
  const watchDivergence = async () => {
    const signal = controller.signal
    while (!signal.aborted) {
      await sleep(parameters.divergenceCheckMs, signal)
      if (signal.aborted || session.signal.aborted) continue
      try {
        // Memory is the committed position's state when the latest root is taken.
        await state.settled()
        const found = await divergence.step()
        if (found === undefined) continue
        await record(found)
        session.abort()
      } catch (error) {
        // A halted state ends the apply loop and the process; nothing to watch then.
        log(`divergence check failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  /**
   * Replaces a diverged state by state sync, in this process (nothing restarts a replica that
   * exits: not `npm start`, not a bare `node`): the apply loop has ended; the database is
   * closed, deleted and opened fresh, a peer's snapshot that matches a quorum-signed root is
   * installed (`syncState`, as at a start with `REPLICA_STATE_SYNC`); the roots, balance
   * signatures and snapshot this replica made of its diverged state are forgotten (the healed
   * state may be at an index it signed) and event streams are reset. A failed sync rejects, and
   * the process exits on a fresh database: the next start syncs or replays Zellular from 0.
   * Requests answer 503 from the divergence on (`whileDiverged`) until the state is replaced.
   * The database records the divergence until it is deleted, so a start on it comes straight
   * here. On PostgreSQL the database is the operator's: the replica stays diverged, signing
   * nothing, across restarts too, until the operator empties it.
   */
  const recover = async (): Promise<boolean> => {
    const from = state.position.index
    if (config.databaseUrl !== undefined) {
      log(
        `diverged at ${from} on PostgreSQL: signing nothing, restarted or not; to heal, empty ` +
          'its database and start it with REPLICA_STATE_SYNC=peers',
      )
      return false
    }
    log(`state sync: replacing the diverged state of index ${from}`)
    await store.close()
    for (const suffix of ['', '-wal', '-shm']) {
      rmSync(`${config.databaseFile}${suffix}`, { force: true })
    }
    store = await openStorage()
    state = await syncState({
      storage: store,
      config: stateConfig,
      replicaId: config.replicaId,
      sources: config.stateSync?.sources,
      bls,
      ...(config.fetch === undefined ? {} : { fetch: config.fetch }),
      // A stop ends the sync between rounds, not after all of them.
      sleep: async (ms) => {
        await sleep(ms, controller.signal)
        if (controller.signal.aborted) throw new StateSyncError('stopped during state sync')
      },
      log,
    })
    roots.clear()
    deps.signer.forget()
    deps.snapshots.forget()
    // Streams had events of the diverged state: they start again from the state now.
    deps.hub.reset()
    stateHashes = newStateHashes()
    stateSession = newStateSession()
    divergence.healed(state.position.index)
    log(`healed: state of index ${state.position.index} installed in place of the diverged one`)
    return true
  }
  return {
    app: createApp(deps),
    deps,
    get state() {
      return state
    },
    start() {
      const poller = sweepPending()
      const watcher = watchDivergence()
      const prepare = verifiers.threads > 0 ? (body: string) => verifiers.prepare(body) : undefined
      const source = deps.stages.stampReads(zellular)
      // Roots at the same indexes on every replica, about once per hashing interval.
      const periodSeconds = Math.max(1, Math.round(parameters.stateHashIntervalMs / 1000))
      const endsGroup = () => {
        const checkpoints = new RootCheckpoints(periodSeconds)
        return (batch: FinalizedBatch) => checkpoints.isCheckpoint(batch)
      }
      /** The apply loop, in sessions: a divergence ends one, and one follows its recovery. */
      const follow = async () => {
        while (!controller.signal.aborted) {
          const signal = AbortSignal.any([controller.signal, session.signal])
          // Not run at all on a state its database records as diverged.
          if (!signal.aborted) {
            await runApplyLoop({ source, state, onApplied, signal, log, prepare, endsGroup })
          }
          // `runApplyLoop` returns only once its signal aborts: a stop, or a divergence.
          if (controller.signal.aborted) return
          // Not healed here (PostgreSQL): it applies nothing more, and serves until stopped.
          if (!(await recover())) return await stopped(controller.signal)
          session = new AbortController()
        }
      }
      running = follow().finally(async () => {
        controller.abort()
        await Promise.all([poller, watcher])
      })
      return running
    },
    async stop() {
      controller.abort()
      await running?.catch(() => undefined)
      deps.submitter.stop()
      await verifiers.close()
      await deps.journal.close()
      await store.close()
    },
  }
}

/** The replica's state: its database's, or, fresh and asked to, a peer's snapshot's. */
async function openState(
  store: ReplicaStorage,
  stateConfig: StateConfig,
  config: ReplicaConfig,
  log: (line: string) => void,
): Promise<ReplicaState> {
  if (config.stateSync === undefined || (await store.genesisHash()) !== undefined) {
    return ReplicaState.open(store, stateConfig)
  }
  return syncState({
    storage: store,
    config: stateConfig,
    replicaId: config.replicaId,
    sources: config.stateSync.sources,
    bls: createBlsVerifier(herumi),
    ...(config.fetch === undefined ? {} : { fetch: config.fetch }),
    log,
  })
}

/** A `stateSession` (`/status`): 16 random bytes, in hex. */
function newStateSession(): string {
  return randomBytes(16).toString('hex')
}

/** The `/network` answer from the nodes' states. */
function summarizeNetwork(app: string, states: NodeState[]): NetworkResponse {
  const votes = new Map<string, number>()
  const nodes = states.map((state) => {
    if (!state.ok) {
      return {
        id: state.id,
        url: state.socket,
        ok: false,
        sequencer: false,
        finalizedIndex: null,
        lastSequencedIndex: null,
        error: state.error.message,
      }
    }
    votes.set(state.sequencerId, (votes.get(state.sequencerId) ?? 0) + 1)
    const progress = state.apps[app]
    return {
      id: state.id,
      url: state.socket,
      ok: true,
      sequencer: state.sequencer,
      finalizedIndex: progress?.lastFinalizedIndex ?? null,
      lastSequencedIndex: progress?.lastSequencedIndex ?? null,
    }
  })
  const sequencerId = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null
  return { app, sequencerId, nodes }
}

/**
 * Longest a `/status` waits for Zellular's last finalized index before giving the last known:
 * an ask takes milliseconds, and a paused node must not hold the status (clients time out at 1 s).
 */
const FINALIZED_ASK_MAX_MS = 200

function cached<value>(ms: number, load: () => Promise<value>): () => Promise<value> {
  let entry: { at: number; value: Promise<value> } | undefined
  return () => {
    const now = Date.now()
    if (entry === undefined || now - entry.at > ms) {
      const value = load()
      entry = { at: now, value }
      value.catch(() => (entry = undefined))
    }
    return entry.value
  }
}

/** `promise`'s value, or undefined as soon as `signal` aborts (the promise is left to settle). */
function untilAborted<value>(
  promise: Promise<value>,
  signal: AbortSignal,
): Promise<value | undefined> {
  if (signal.aborted) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const done = () => resolve(undefined)
    signal.addEventListener('abort', done, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', done))
  })
}

/** Resolves once `signal` aborts. */
function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), { once: true })
  })
}
