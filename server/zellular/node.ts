import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  bls,
  syncPointMessage,
  type Network,
  type SignatureRecord,
} from '../../shared/zellular/index.ts'
import { BatchLog, type BatchRecord } from './batchLog.ts'
import { BatchQueue } from './batchQueue.ts'
import type { NodeConfig } from './config.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import type { Logger } from './logger.ts'
import { honestHooks, type NodeHooks } from './nodeHooks.ts'
import { PeerClient } from './peers.ts'
import { PeerSuspicion } from './peerSuspicion.ts'
import { SlidingWindowLimiter, sizeKb } from './rateLimiter.ts'
import { OperatorSignatureBatcher } from './signatureBatcher.ts'

/** What a node last told the sequencer about its own sequence (zsequencer's `nodes_state`). */
export interface NodeReport {
  readonly sequencedIndex: number
  readonly sequencedChainingHash: string
  readonly lockedIndex: number
  readonly lockedChainingHash: string
  readonly finalizedIndex: number
  readonly updatedAt: number
}

/**
 * The state of one Zellular node, in either role. The HTTP routes, the posting loop
 * (`batchPoster.ts`) and the sequencer loop (`synchronizer.ts`) all act on this object; it owns
 * the batch logs, the queues of client batches and the sequencer's view of its peers.
 */
export class ZellularNode {
  readonly id: string
  readonly peers: PeerClient
  readonly logs = new Map<string, BatchLog>()
  /** Client batches accepted but not yet sent to the sequencer ("initialized"). */
  readonly queues = new Map<string, BatchQueue>()
  sequencerId: string
  /** Set after the first full catch-up round; client routes answer 503 until then. */
  synced = false
  /** Set while a sequencer switch is in progress. */
  paused = false
  sequencerDown = false
  readonly censoredApps = new Set<string>()
  /** Bodies sent to the sequencer and not yet seen in one of its answers, with counts. */
  readonly awaitingEcho = new Map<string, Map<string, number>>()
  /** Bodies this node forwarded to a sequencer and has not yet seen finalized, with counts;
   * after a switch the ones outside the locked prefix are sent again (zsequencer loses them). */
  readonly unfinalizedSent = new Map<string, Map<string, number>>()
  /** Queued bodies whose last PUT failed, so the sequencer may or may not have them. */
  readonly uncertain = new Map<string, Map<string, number>>()
  /** Censored samples from other nodes' disputes, forwarded once to test the sequencer. */
  readonly probes = new Map<string, Set<string>>()
  /** Sequencer role: called when the peers stopped posting to this sequencer. */
  onAbandoned?: () => void
  /** Sequencer role: called after a node's report is recorded. */
  onReport?: () => void
  /** Called when the sequencer says it is not the sequencer (missed-switch recovery). */
  onNotSequencer?: () => void
  /** When each sequenced index arrived, for the finalization-delay dispute trigger. */
  readonly sequencedAt = new Map<string, { index: number; at: number }[]>()
  /** Sequencer role: each peer's last report, per app. */
  readonly reports = new Map<string, Map<string, NodeReport>>()
  /** Sequencer role: the last sync points this sequencer signed, per app (0 after a switch). */
  readonly lastLockPoint = new Map<string, number>()
  readonly lastFinalizationPoint = new Map<string, number>()
  /** Sequencer role: peers that claimed a sync point and did not sign it. */
  readonly suspicion = new PeerSuspicion()
  /** Own forwarding budget; on the sequencer it also limits direct client PUTs. */
  readonly sendLimiter: SlidingWindowLimiter
  /** Sequencer role: per-signer budget for PUT /sequencer/batches. */
  readonly receiveLimiter: SlidingWindowLimiter
  readonly pageCapBytes: number
  /** Checks the Signature headers of node requests, batching the ones that arrive together. */
  readonly signatureBatcher: OperatorSignatureBatcher
  /** Honest unless a test wiring installs an adversary (`nodeHooks.ts`). */
  readonly hooks: NodeHooks
  private readonly db: Database.Database

  constructor(
    readonly config: NodeConfig,
    readonly network: Network,
    readonly secretKey: bls.SecretKey,
    id: string,
    apps: Iterable<string>,
    readonly log: Logger,
    hooks: NodeHooks = honestHooks,
  ) {
    this.id = id.toLowerCase()
    const self = network.operator(this.id)
    if (!self) throw new Error(`node ${this.id} is not in the nodes file`)
    const ownKey = bls.formatPoint(bls.publicKeyOf(secretKey))
    if (ownKey !== bls.formatPoint(self.publicKey)) {
      throw new Error(`the BLS key does not match the nodes-file entry of ${this.id}`)
    }
    this.signatureBatcher = new OperatorSignatureBatcher(network)
    this.hooks = hooks
    this.peers = new PeerClient(this.id, secretKey, config.version)
    mkdirSync(config.dataDir, { recursive: true })
    this.db = new Database(join(config.dataDir, 'batches.sqlite'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    BatchLog.migrate(this.db)
    const receiveKb = config.bandwidthKbPerWindow / network.operators.size
    const posting = Math.max(1, network.withRole('posting').length)
    this.pageCapBytes = Math.floor(receiveKb * 1024)
    this.sendLimiter = new SlidingWindowLimiter(receiveKb / posting, config.pushRateLimitWindowMs)
    this.receiveLimiter = new SlidingWindowLimiter(
      receiveKb / posting,
      config.pushRateLimitWindowMs,
    )
    this.sequencerId = config.initSequencerId || this.lowestSequencingId()
    for (const app of apps) this.addApp(app)
  }

  get isSequencer(): boolean {
    return this.sequencerId === this.id
  }

  private lowestSequencingId(): string {
    const ids = this.network
      .withRole('sequencing')
      .map((operator) => operator.id)
      .sort()
    return ids[0] ?? this.id
  }

  /** Apps can be added while running and are never removed (zsequencer's rule). */
  addApp(app: string): void {
    if (this.logs.has(app)) return
    this.logs.set(app, new BatchLog(this.db, app))
    this.queues.set(app, new BatchQueue())
    this.awaitingEcho.set(app, new Map())
    this.unfinalizedSent.set(app, new Map())
    this.uncertain.set(app, new Map())
    this.probes.set(app, new Set())
    this.sequencedAt.set(app, [])
    this.reports.set(app, new Map())
  }

  appLog(app: string): BatchLog {
    const log = this.logs.get(app)
    if (!log) throw new ZsequencerHttpError('InvalidRequestError', `Invalid app name: ${app}.`)
    return log
  }

  /** A client batch arrives (single or bulk PUT): queue it, or sequence it on the sequencer. */
  acceptClientBatches(app: string, bodies: readonly string[]): void {
    if (bodies.length === 0) return
    if (this.isSequencer) {
      const kb = bodies.reduce((sum, body) => sum + sizeKb(body), 0)
      if (!this.sendLimiter.tryCharge(this.id, kb)) {
        throw new ZsequencerHttpError('BatchesLimitExceededError')
      }
      this.sequenceOwn(app, bodies)
      return
    }
    const queue = this.queues.get(app)!
    const incoming = bodies.reduce((sum, body) => sum + Buffer.byteLength(body, 'utf8'), 0)
    if (queue.bytes + incoming > this.config.maxQueuedKbPerApp * 1024) {
      throw new ZsequencerHttpError('BatchesLimitExceededError', `The queue of ${app} is full.`)
    }
    if (this.queuedBytes() + incoming > this.config.maxQueuedKb * 1024) {
      throw new ZsequencerHttpError('BatchesLimitExceededError', 'The node queue is full.')
    }
    queue.push(bodies)
  }

  /** Bytes queued over all apps. */
  queuedBytes(): number {
    let total = 0
    for (const queue of this.queues.values()) total += queue.bytes
    return total
  }

  /**
   * Sequencer role: sequences client batches this node took itself, remembering them as sent
   * until finalized. Should this node lose the role before they are locked (a pause, a
   * partition, a missed switch), `requeueUnlocked` puts them back in its queue for the next
   * sequencer: only this node ever had them. zsequencer drops them with the unlocked tail.
   */
  sequenceOwn(app: string, bodies: readonly string[]): void {
    const sent = this.unfinalizedSent.get(app)!
    for (const body of bodies) addOne(sent, body)
    this.sequence(app, bodies)
  }

  /** Sequencer role: appends bodies to the global order of `app`. */
  sequence(app: string, bodies: readonly string[]): void {
    const log = this.appLog(app)
    const from = log.lastSequenced
    log.append(bodies)
    this.trackSequenced(app, from, log.lastSequenced)
  }

  trackSequenced(app: string, from: number, to: number): void {
    if (to > from) this.sequencedAt.get(app)!.push({ index: to, at: Date.now() })
  }

  /**
   * Verifies a lock or finalization proof and applies it (zsequencer's `promote_batches`).
   * Returns why it was refused, or null when applied.
   */
  promote(app: string, record: SignatureRecord, alreadyVerified = false): string | null {
    const log = this.appLog(app)
    if (record.index <= (record.state === 'locked' ? log.lastFinalized : log.lastLocked)) {
      return 'old'
    }
    if (!alreadyVerified) {
      try {
        this.network.verifyAggregate(syncPointMessage({ app_name: app, ...recordFields(record) }), {
          signature: record.signature,
          nonsigners: record.nonsigners,
        })
      } catch (error) {
        return (error as Error).message
      }
    }
    const finalizedBefore = log.lastFinalized
    const refusal = log.promote(record, this.config.pipelineLocks)
    if (refusal === null && record.state === 'locked') {
      this.forgetFinalized(app, finalizedBefore, record.index)
    }
    return refusal
  }

  private forgetFinalized(app: string, from: number, to: number): void {
    const tracked = this.sequencedAt.get(app)!
    while (tracked.length > 0 && tracked[0]!.index <= to) tracked.shift()
    const sent = this.unfinalizedSent.get(app)!
    if (sent.size === 0) return
    for (const record of this.appLog(app).range(from, 'finalized', Number.MAX_SAFE_INTEGER)) {
      removeOne(sent, record.body)
      if (sent.size === 0) return
    }
  }

  /** True when the oldest unfinalized sequenced batch has waited past the border. */
  hasDelayedBatches(now = Date.now()): boolean {
    for (const tracked of this.sequencedAt.values()) {
      const oldest = tracked[0]
      if (oldest && now - oldest.at > this.config.finalizationTimeBorderMs) return true
    }
    return false
  }

  close(): void {
    this.db.close()
  }
}

/** Adds one occurrence of `body` to a multiset. */
export function addOne(multiset: Map<string, number>, body: string): void {
  multiset.set(body, (multiset.get(body) ?? 0) + 1)
}

/** Removes one occurrence of `body` from a multiset; says whether it was there. */
export function removeOne(multiset: Map<string, number>, body: string): boolean {
  const count = multiset.get(body)
  if (count === undefined) return false
  if (count <= 1) multiset.delete(body)
  else multiset.set(body, count - 1)
  return true
}

/** The signed fields of a stored proof; lock proofs are always signed with timestamp 0. */
export function recordFields(record: SignatureRecord) {
  return {
    state: record.state,
    index: record.index,
    chaining_hash: record.chaining_hash,
    parent_index: record.parent_index,
    timestamp: record.state === 'sequenced' ? 0 : record.timestamp,
  }
}

/** The `finalized_signatures[]` entry for a finalization sync point. */
export function finalizationProofOf(record: BatchRecord) {
  return {
    state: 'locked' as const,
    index: record.index,
    parent_index: record.parentIndex ?? 0,
    chaining_hash: record.chainingHash,
    signature: record.finalizedSignature!,
    nonsigners: record.finalizedNonsigners ?? [],
    tag: record.finalizedTag ?? 0,
    timestamp: record.timestamp ?? 0,
  }
}

/** The `last_locked_signature` for a lock sync point (parent and timestamp 0 as it was signed). */
export function lockProofOf(record: BatchRecord) {
  return {
    state: 'sequenced' as const,
    index: record.index,
    parent_index: record.lockedParentIndex ?? record.parentIndex ?? 0,
    chaining_hash: record.chainingHash,
    signature: record.lockedSignature!,
    nonsigners: record.lockedNonsigners ?? [],
    tag: record.lockedTag ?? 0,
    timestamp: 0,
  }
}
