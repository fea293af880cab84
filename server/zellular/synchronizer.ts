import {
  finalizationVoteMessage,
  parseTimeLock,
  verifyTimeLock,
  type FinalizationVote,
  type SignedState,
  type SyncPoint,
  type TimeLock,
} from '../../shared/zellular/index.ts'
import { finalizeAgain } from './adversaryActions.ts'
import { FinalizationTimeRefusal } from './finalizationTimes.ts'
import { HELD_ANSWER_MARGIN_MS } from './batchPoster.ts'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import { unixSeconds } from './clock.ts'
import type { NodeContext } from './nodeContext.ts'
import { PeerSuspicion } from './peerSuspicion.ts'
import { finalizationProofOf, lockProofOf } from './proofRecords.ts'
import type { RoleView } from './sequencerRole.ts'
import {
  gatherSignatures,
  syncPointAsk,
  type Gathered,
  type SignatureAsk,
} from './signatureGathering.ts'

/** What a node last told the sequencer about its own sequence (zsequencer's `nodes_state`). */
export interface NodeReport {
  readonly sequencedIndex: number
  readonly sequencedChainingHash: string
  readonly lockedIndex: number
  readonly lockedChainingHash: string
  readonly finalizedIndex: number
  readonly updatedAt: number
  /** The PUT said the node holds lock requests for batches on their way (`sign_wait_ms`). */
  readonly waitsToSign?: boolean
}

interface SyncPointCandidate {
  readonly index: number
  readonly chainingHash: string
  readonly party: readonly string[]
  /**
   * Party members whose own report does not reach the point yet (they were answered the batches,
   * or signed the lock): a refusal from them is no withheld signature, only news still on its way.
   */
  readonly presumed: readonly string[]
}

/** Who a failed round misses: the party members that did not sign, and of them the silent. */
interface Missing {
  readonly unsigned: readonly string[]
  /** No answer at all (unreachable, or none by the round's deadline). */
  readonly silent: readonly string[]
}

const NONE: Missing = { unsigned: [], silent: [] }

/** Peers that reported before and then fell silent this long count as gone (zsequencer: 10 s). */
export const INACTIVE_AFTER_MS = 10_000

/**
 * A live follower posts at least once per `followerHoldMs` or node loop, and a held PUT is
 * answered within `HELD_ANSWER_MARGIN_MS` of its hold: one silent for longer is not counted on
 * to bring a report soon (see `pickPoint`).
 */
const reportFreshMs = (followerHoldMs: number) => followerHoldMs + HELD_ANSWER_MARGIN_MS

/**
 * What a sequencer round tells the node: `abandoned` when the peers stopped posting here (they
 * most likely moved to another sequencer without this node, §8.7).
 */
export type SynchronizeSignal = 'abandoned' | undefined

/**
 * The sequencer's rounds (zsequencer `sequencer/tasks.py sync_app`, §8.4): per app, find the
 * highest index a threshold of stake has sequenced and lock it; find the highest index a
 * threshold has locked and finalize it. As in zsequencer v0.1.7 a new lock waits for the previous
 * one to be finalized, unless `pipelineLocks`. zsequencer runs both in one loop, a lock round then
 * a finalization round (`run`); our node runs them in two lanes (`lock`, `finalize`), so a lock
 * round need not wait for the finalization round before it. Owns the sequencer's view of its
 * peers: their reports, the sync points it signed and the peers it suspects of withholding
 * signatures.
 */
export class Synchronizer {
  /** Each peer's last report, per app. */
  readonly #reports = new Map<string, Map<string, NodeReport>>()
  /** The last index answered to each peer, per app (`recordAnswered`). */
  readonly #answered = new Map<string, Map<string, number>>()
  /** The last sync points this sequencer signed, per app (0 after a switch). */
  readonly #lastLockPoint = new Map<string, number>()
  readonly #lastFinalizationPoint = new Map<string, number>()
  /** Peers that claimed a sync point and did not sign it. */
  readonly #suspicion = new PeerSuspicion()
  /**
   * Peers that said they wait to sign (`waitsToSign`) and refused a point they were presumed to
   * hold. They are not suspected (an honest one may not have got the answer in time), but are
   * counted by their reports alone for a while: a Byzantine follower claiming to wait and
   * refusing every presumed point would otherwise fail a round each time, unsuspected.
   */
  readonly #presumptionLost = new PeerSuspicion()
  /**
   * Since when peers that never reported count as silent: this node's start, the last switch or
   * the last recovery. A peer never heard from is silent since then, not "not yet known".
   */
  #listeningSince: number
  /** This node's last finalization as the sequencer was one its batch store could not write. */
  #unstored = false
  /** When a failed round of each app and state was last logged (one line per 5 s at most). */
  readonly #failureLoggedAt = new Map<string, number>()

  constructor(
    private readonly context: NodeContext,
    private readonly role: RoleView,
    private readonly logs: AppLogs,
    private readonly chain: Chain,
    /** A lock or finalization of this sequencer was applied: the other lane may have work. */
    private readonly onApplied: () => void = () => {},
    /**
     * This sequencer just found it cannot store its finalizations: the followers' PUTs it holds
     * end now, and their next ones are refused (`cannotStore`), instead of at their hold's end.
     */
    private readonly onCannotStore: () => void = () => {},
  ) {
    this.#listeningSince = context.clock.now()
  }

  /** A peer's report arrived with its PUT /sequencer/batches. */
  recordReport(app: string, peer: string, report: NodeReport): void {
    let reports = this.#reports.get(app)
    if (!reports) this.#reports.set(app, (reports = new Map()))
    reports.set(peer, report)
  }

  /** The sequencer answered a peer's PUT with the batches up to `index`. */
  recordAnswered(app: string, peer: string, index: number): void {
    let answered = this.#answered.get(app)
    if (!answered) this.#answered.set(app, (answered = new Map()))
    answered.set(peer, index)
  }

  isSuspected(id: string): boolean {
    return this.#suspicion.isSuspected(id, this.context.clock.now())
  }

  /**
   * Whether this sequencer's batch store refused the last finalization it gathered (a full disk):
   * it then refuses its followers' PUTs (`peerRoutes.ts`), so they count it down and replace it
   * at once. It still gathers the signatures and keeps none, and without the refusal they saw a
   * sequencer that asks them to sign and never finalizes until their finalization border (10 s
   * in the chaos suite: seed 401's longest window without progress, 11.1 s).
   */
  get cannotStore(): boolean {
    return this.#unstored && this.role.isSequencer
  }

  /** A new sequencer (maybe this node): start the view of the peers afresh. */
  forgetSequencer(): void {
    this.#reports.clear()
    this.#answered.clear()
    this.#lastLockPoint.clear()
    this.#lastFinalizationPoint.clear()
    this.#suspicion.clear()
    this.#presumptionLost.clear()
    this.#listeningSince = this.context.clock.now()
    this.#unstored = false
  }

  /** One round of each kind over every app, a lock then a finalization (zsequencer's loop). */
  run(): Promise<SynchronizeSignal> {
    return this.overApps(true, async (app) => {
      await this.lockApp(app)
      await this.syncTo(app, 'locked')
    })
  }

  /**
   * The lock lane: one lock round over every app. It also notices when the peers left this
   * sequencer (`isAbandoned`).
   */
  lock(): Promise<SynchronizeSignal> {
    return this.overApps(true, (app) => this.lockApp(app))
  }

  /** The finalization lane: one finalization round over every app. */
  async finalize(): Promise<void> {
    await this.overApps(false, (app) => this.syncTo(app, 'locked'))
  }

  private async overApps(
    detectAbandoned: boolean,
    round: (app: string) => Promise<void>,
  ): Promise<SynchronizeSignal> {
    const { role } = this
    if (!role.isSequencer || role.paused) return undefined
    if (detectAbandoned && this.isAbandoned()) {
      this.#reports.clear()
      this.#listeningSince = this.context.clock.now()
      return 'abandoned'
    }
    if (this.context.hooks.stopFinalizing) return undefined
    for (const app of this.logs.apps()) {
      await round(app)
      if (!role.isSequencer || role.paused) return undefined
    }
    return undefined
  }

  /**
   * A lock round, when the last lock is finalized or locks may run ahead (`pipelineLocks`). Its
   * parent is the last finalization at the start: a finalization round running beside it may
   * end first, and followers sign such a lock on an older parent (`signer.ts`).
   */
  private async lockApp(app: string): Promise<void> {
    const log = this.logs.get(app)
    if (this.context.config.pipelineLocks || log.lastLocked === log.lastFinalized) {
      await this.syncTo(app, 'sequenced')
    }
  }

  /**
   * Locks (`sequenced`) or finalizes (`locked`) the highest point a threshold can sign. Peers
   * that claimed the point and did not sign it are suspected, and a point the others can
   * complete without them is tried at once, so one withholding peer costs a round trip, not a
   * halt.
   */
  private async syncTo(app: string, state: SignedState): Promise<void> {
    const point = this.pickPoint(app, state, [])
    if (!point) return
    const { unsigned, silent } = await this.signAndApply(app, state, point)
    if (unsigned.length === 0) return
    const now = this.context.clock.now()
    // A presumed peer that refused may not have had the batches yet; one that said nothing at
    // all is down, paused or cut off like any other, and is suspected: counted by its report
    // alone, it was asked again by the next round (a finalization after a lock) and cost that
    // round its whole timeout too (chaos seed 406: 4.1 s without progress).
    const refusedPresumed = (id: string) => point.presumed.includes(id) && !silent.includes(id)
    this.#suspicion.suspect(
      unsigned.filter((id) => !refusedPresumed(id)),
      now,
    )
    this.#presumptionLost.suspect(unsigned.filter(refusedPresumed), now)
    const fallback = this.pickPoint(app, state, unsigned)
    if (fallback && this.role.isSequencer && !this.role.paused) {
      await this.signAndApply(app, state, fallback)
    }
  }

  /**
   * The point to ask for: one that peers not suspected (nor `excluded`) can sign. Suspected
   * peers are asked only when the others lack the stake to ever reach the threshold, since a
   * suspicion can be wrong (an honest peer may have been slow once). Otherwise, when the others
   * have not reported the point yet, a round that needs a suspect is all but sure to fail, and
   * the rounds after it wait for it: better to wait for the honest reports.
   */
  private pickPoint(
    app: string,
    state: SignedState,
    excluded: readonly string[],
  ): SyncPointCandidate | null {
    const { network, clock, id } = this.context
    const now = clock.now()
    const trusted = (peer: string) =>
      !excluded.includes(peer) && !this.#suspicion.isSuspected(peer, now)
    const point = this.findSyncPoint(app, state, trusted)
    if (point) return point
    // Only peers heard from lately can bring the missing reports: one that is down (or has not
    // posted since a switch) would keep the round waiting for good while a suspect, maybe only
    // slow once, could sign.
    const reports = this.#reports.get(app)
    const freshMs = reportFreshMs(this.context.config.followerHoldMs)
    const heardLately = (peer: string) =>
      now - (reports?.get(peer)?.updatedAt ?? Number.NEGATIVE_INFINITY) <= freshMs
    const trustedIds = network
      .attesting()
      .map((operator) => operator.id)
      .filter((peer) => peer !== id && trusted(peer) && heardLately(peer))
    if (network.stakePercent([id, ...trustedIds]) >= network.thresholdPercent) return null
    return this.findSyncPoint(app, state, (peer) => !excluded.includes(peer))
  }

  /**
   * The highest index that peers holding, with the sequencer, a threshold of stake can sign in
   * `state` (sequenced for locks, locked for finalizations). The index and chaining hash come
   * from the sequencer's own log: a report counts only if it names an index this log has
   * reached, with this log's chaining hash there (chaining hashes commit to the whole prefix).
   * zsequencer v0.1.7 takes the hash from a peer's report, so one peer's bogus hash makes every
   * honest node refuse to sign, round after round.
   *
   * The sign request carries the proofs of our last finalization and lock (`signer.ts`), so a
   * peer need not have reported them yet: one that holds the batches of our last lock can
   * finalize it, and one a finalization behind can sign on top of the newest. zsequencer asks
   * only peers that reported both, which costs each round two more PUTs of its slowest needed
   * peer; with one follower faulty, that is every round.
   *
   * A peer that waits to sign (`waitsToSign`) reaches further than its report: a lock up to the
   * batches answered to it (the answer is on its way, and it holds the request for it), and a
   * finalization of our last lock if it signed that lock (it holds the batches). The request then
   * travels beside the news instead of after the peer's next report of it. One that refused such
   * a presumed point lately is counted by its report alone (`#presumptionLost`).
   */
  findSyncPoint(
    app: string,
    state: SignedState,
    counts: (id: string) => boolean,
  ): SyncPointCandidate | null {
    const { network } = this.context
    const reports = this.#reports.get(app) ?? new Map<string, NodeReport>()
    const floor = (state === 'sequenced' ? this.#lastLockPoint : this.#lastFinalizationPoint).get(
      app,
    )
    const log = this.logs.get(app)
    const holds = (index: number, hash: string, upTo: number) =>
      index <= upTo && hash === log.chainingHashAt(index)
    const lastLock = log.lastLocked
    const lastLockRecord = log.get(lastLock)
    const lockProven = lastLockRecord?.lockedSignature !== undefined
    const answered = this.#answered.get(app)
    const now = this.context.clock.now()
    /**
     * How far the peer can sign in `state` by its report alone, and with what this sequencer
     * knows it holds since; zeros when its report is not of this log.
     */
    const reach = (id: string, report: NodeReport): { reported: number; reached: number } => {
      const { sequencedIndex, lockedIndex } = report
      const sequenced = holds(sequencedIndex, report.sequencedChainingHash, log.lastSequenced)
      const waits =
        sequenced && report.waitsToSign === true && !this.#presumptionLost.isSuspected(id, now)
      if (state === 'sequenced') {
        if (!sequenced) return { reported: 0, reached: 0 }
        const sent = waits ? Math.min(answered?.get(id) ?? 0, log.lastSequenced) : 0
        return { reported: sequencedIndex, reached: Math.max(sequencedIndex, sent) }
      }
      const locked = holds(lockedIndex, report.lockedChainingHash, lastLock)
      const byLockProof = sequenced && lockProven && sequencedIndex >= lastLock ? lastLock : 0
      const reported = Math.max(locked ? lockedIndex : 0, byLockProof)
      const signedLock = waits && lockProven && !lastLockRecord.lockedNonsigners?.includes(id)
      return { reported, reached: Math.max(reported, signedLock ? lastLock : 0) }
    }
    // A node signs only on top of its own last finalization, which must be ours, or the one
    // before ours when it takes our proof of ours on the way (a parent it cannot reach would be a
    // refusal, and a refusal makes an honest peer suspected).
    const lastFinalized = log.lastFinalized
    const parentOfLast = lastFinalized === 0 ? 0 : (log.get(lastFinalized)?.parentIndex ?? 0)
    const onOurParent = (report: NodeReport) =>
      report.finalizedIndex === lastFinalized ||
      (report.finalizedIndex < lastFinalized && report.finalizedIndex >= parentOfLast)
    const isAttesting = (id: string) => (network.operator(id)?.stake ?? 0) > 0
    const above = Math.max(floor ?? 0, state === 'sequenced' ? lastLock : lastFinalized)
    const candidates = [...reports.entries()]
      .filter(([id, report]) => isAttesting(id) && counts(id) && onOurParent(report))
      .map(([id, report]) => ({ id, ...reach(id, report) }))
      .filter(({ reached }) => reached > above)
      .sort((a, b) => b.reached - a.reached)
    for (const { reached: index } of candidates) {
      const members = candidates.filter(({ reached }) => reached >= index)
      const party = members.map(({ id }) => id)
      if (network.stakePercent([...party, this.context.id]) >= network.thresholdPercent) {
        const presumed = members.filter(({ reported }) => reported < index).map(({ id }) => id)
        return { index, chainingHash: log.chainingHashAt(index), party, presumed }
      }
    }
    return null
  }

  /**
   * zsequencer's `detect_and_reset_sequencer_on_failover` (§8.7): when peers holding a threshold
   * of stake have stopped posting, or never posted since this node took the role, they have most
   * likely moved to another sequencer without us. Here: once the peers posting (with this node)
   * no longer hold the threshold, this node asks the network whom it follows; when that is still
   * this node (the others are down, not elsewhere), nothing changes.
   */
  isAbandoned(): boolean {
    const { network, clock } = this.context
    const now = clock.now()
    const lastSeen = new Map<string, number>()
    for (const reports of this.#reports.values()) {
      for (const [id, report] of reports) {
        lastSeen.set(id, Math.max(lastSeen.get(id) ?? 0, report.updatedAt))
      }
    }
    // zsequencer counts only peers that posted and stopped, so a node that restarted believing
    // itself the sequencer (no peer answered its discovery) while the network follows another
    // waited for posts that never come, and took client batches it could never finalize.
    // And it asks once the peers still posting here, with its own stake, are short of the
    // threshold, not only once the silent ones hold it: a restarted node that one peer followed
    // into its self-appointed role kept that peer from the real sequencer's quorum for good.
    const since = (id: string) => lastSeen.get(id) ?? this.#listeningSince
    const active = network
      .attesting()
      .filter((operator) => operator.id !== this.context.id)
      .filter((operator) => now - since(operator.id) <= INACTIVE_AFTER_MS)
      .map((operator) => operator.id)
    return network.stakePercent([this.context.id, ...active]) < network.thresholdPercent
  }

  /**
   * Gathers signatures for `point` and applies the proof; returns the party members that did
   * not sign when no threshold was reached (`silent`: those that did not answer at all). A
   * finalization first needs a time lock (`timeLockFor`), which may finalize another index than
   * `point`'s.
   */
  private async signAndApply(
    app: string,
    state: SignedState,
    point: SyncPointCandidate,
  ): Promise<Missing> {
    const log = this.logs.get(app)
    let request: SyncPoint = {
      app_name: app,
      state,
      index: point.index,
      chaining_hash: point.chainingHash,
      parent_index: log.lastFinalized,
      timestamp: 0,
    }
    let timeLock: TimeLock | undefined
    if (state === 'locked') {
      const locked = await this.timeLockFor(app, point)
      if (!locked.ok) return locked.missing
      timeLock = locked.lock
      const { index, chaining_hash, timestamp } = timeLock
      request = { ...request, index, chaining_hash, timestamp }
      // This node's own signature comes with the aggregate: it binds this node as any other.
      if (!this.#timesStep(app, () => this.logs.times.finalize(app, locked.lock))) return NONE
    }
    const vote = state === 'sequenced' ? this.#voteWithLock(app, point) : undefined
    const body = {
      ...request,
      proofs: this.proofsFor(app, state, request.index),
      ...(timeLock === undefined ? {} : { time_lock: timeLock }),
      ...(vote === undefined ? {} : { vote: { timestamp: vote.timestamp, view: vote.view } }),
    }
    const companion = vote && { message: finalizationVoteMessage(vote), field: 'vote_signature' }
    const ask = { ...syncPointAsk(body), ...(companion ? { companion } : {}) }
    const gathered = await this.gatherSignatures(ask, point.party)
    if (!gathered.ok) {
      this.#learnLocks(app, gathered)
      this.logFailedRound(app, state, request.index, gathered.why)
      return gathered
    }
    if (state === 'locked' && this.context.hooks.finalizeTwice) {
      await finalizeAgain(this.context, body, point.party, (ask, party) =>
        this.gatherSignatures(ask, party),
      )
    }
    const { hooks } = this.context
    if (state === 'locked' ? hooks.withholdFinalizations : hooks.withholdLocks) {
      const what = state === 'locked' ? 'finalization' : 'lock'
      this.context.log.warn(`ADVERSARY withholds ${what} ${request.index}`)
      return NONE
    }
    const record = { ...request, ...gathered.aggregate, tag: 0 }
    const refusal = this.chain.promote(app, record, true)
    if (state === 'locked') this.#setUnstored(refusal?.startsWith('unstored') === true)
    if (refusal) {
      this.context.log.warn(
        `own ${state === 'locked' ? 'finalization' : 'lock'} ${request.index} refused: ${refusal}`,
      )
      return NONE
    }
    const memory = state === 'sequenced' ? this.#lastLockPoint : this.#lastFinalizationPoint
    memory.set(app, request.index)
    if (vote && gathered.companion) {
      // Every signer of the lock voted: the finalization round proposes their time lock at once.
      const { app_name: _app, ...voted } = vote
      this.logs.times.learn(app, { ...voted, ...gathered.companion })
    }
    this.onApplied()
    return NONE
  }

  /**
   * The vote a lock request carries when the lock's finalization is the next one (its parent is
   * the last finalization and no other lock waits for one) and no time lock is known there:
   * its signers then vote for finalizing it at this node's time in the same round trip, and the
   * finalization round needs no vote round. This node's own vote is cast first.
   */
  #voteWithLock(app: string, point: SyncPointCandidate): FinalizationVote | undefined {
    const log = this.logs.get(app)
    const parent = log.lastFinalized
    if (log.lastLocked !== parent || this.logs.times.proposal(app, parent)) return undefined
    const vote = this.#newVote(app, point)
    return this.#timesStep(app, () => this.logs.times.vote(app, vote, undefined)) ? vote : undefined
  }

  /** A vote on finalizing `point` on this node's last finalization, at its time, in a new view. */
  #newVote(app: string, point: SyncPointCandidate): FinalizationVote {
    const log = this.logs.get(app)
    const parent = log.lastFinalized
    const { clock } = this.context
    return {
      app_name: app,
      parent_index: parent,
      index: point.index,
      chaining_hash: point.chainingHash,
      timestamp: Math.max(unixSeconds(clock), log.get(parent)?.timestamp ?? 0),
      view: this.logs.times.nextView(app, parent, clock.now()),
    }
  }

  /**
   * The time lock a finalization on this node's last finalized index is to carry
   * (`finalizationTimes.ts`): the highest one this node knows there, proposed again (a new
   * sequencer learns of it from the refusals of the nodes it binds), or a new one for `point` at
   * this node's time, voted by the party. A known one past what the party can sign waits.
   */
  private async timeLockFor(
    app: string,
    point: SyncPointCandidate,
  ): Promise<{ ok: true; lock: TimeLock } | { ok: false; missing: Missing }> {
    const known = this.#knownLock(app, point)
    if (known !== null) return known ? { ok: true, lock: known } : { ok: false, missing: NONE }
    const vote = this.#newVote(app, point)
    if (!this.#timesStep(app, () => this.logs.times.vote(app, vote, undefined))) {
      return { ok: false, missing: NONE }
    }
    const ask = {
      path: '/node/sign_finalization_vote',
      body: { ...vote, proofs: this.proofsFor(app, 'locked', point.index) },
      message: finalizationVoteMessage(vote),
    }
    const gathered = await this.gatherSignatures(ask, point.party)
    if (!gathered.ok) {
      // Refused by nodes locked on a value: that value is the one to finalize, at once.
      this.#learnLocks(app, gathered)
      const learned = this.#knownLock(app, point)
      if (learned) return { ok: true, lock: learned }
      this.logFailedRound(app, 'vote', point.index, gathered.why)
      return { ok: false, missing: gathered }
    }
    const { app_name: _app, ...voted } = vote
    const lock = { ...voted, ...gathered.aggregate }
    this.logs.times.learn(app, lock)
    return { ok: true, lock }
  }

  /**
   * The highest time lock known on this node's last finalized index: undefined when it is past
   * what `point`'s party can sign (or not this log's batch there), null when there is none.
   */
  #knownLock(app: string, point: SyncPointCandidate): TimeLock | undefined | null {
    const log = this.logs.get(app)
    const known = this.logs.times.proposal(app, log.lastFinalized)
    if (!known) return null
    const held =
      known.index <= point.index && log.chainingHashAt(known.index) === known.chaining_hash
    return held ? known : undefined
  }

  /**
   * Learns the time locks that refusals sent (`data.locked`: the refuser is locked on it), each
   * verified and on this node's parent: the next round proposes the highest again.
   */
  #learnLocks(app: string, gathered: Extract<Gathered, { ok: false }>): void {
    const parent = this.logs.get(app).lastFinalized
    for (const data of gathered.refusalData.values()) {
      const locked = (data as { locked?: unknown } | null)?.locked
      if (locked === undefined) continue
      try {
        const lock = parseTimeLock(locked)
        if (lock.parent_index !== parent) continue
        verifyTimeLock(this.context.network, app, lock)
        this.logs.times.learn(app, lock)
      } catch {
        // Not a lock a threshold signed: nothing to learn from it.
      }
    }
  }

  /**
   * Runs a step of this node's own `FinalizationTimes`; false (logged) when it is refused. One
   * its store could not write (a full disk) counts as a finalization not stored (`cannotStore`).
   */
  #timesStep(app: string, step: () => void): boolean {
    try {
      step()
      return true
    } catch (error) {
      if (!(error instanceof FinalizationTimeRefusal)) this.#setUnstored(true)
      this.context.log.warn(`finalization of ${app} not attempted: ${(error as Error).message}`)
      return false
    }
  }

  #setUnstored(unstored: boolean): void {
    const found = unstored && !this.#unstored
    this.#unstored = unstored
    if (found) this.onCannotStore()
  }

  /**
   * Says why a round found no threshold, each missing signer with its refusal: a stalled
   * network is otherwise silent about which peer holds it up and why.
   */
  private logFailedRound(
    app: string,
    state: SignedState | 'vote',
    index: number,
    why: ReadonlyMap<string, string>,
  ): void {
    const key = `${app} ${state}`
    const now = this.context.clock.now()
    if (now - (this.#failureLoggedAt.get(key) ?? Number.NEGATIVE_INFINITY) < 5_000) return
    this.#failureLoggedAt.set(key, now)
    const missing = [...why].map(([id, reason]) => `${id.slice(0, 8)}: ${reason}`).join('; ')
    const what = { locked: 'finalization', sequenced: 'lock', vote: 'finalization vote' }[state]
    this.context.log.warn(`${what} ${index} of ${app} short of the threshold (${missing})`)
  }

  /** The proofs a peer may lack to sign: our last finalization and, to finalize, the lock. */
  private proofsFor(app: string, state: SignedState, index: number): object[] {
    const log = this.logs.get(app)
    const parent = log.get(log.lastFinalized)
    const lock = state === 'locked' ? log.get(index) : undefined
    return [
      ...(parent?.finalizedSignature === undefined ? [] : [finalizationProofOf(parent)]),
      ...(lock?.lockedSignature === undefined ? [] : [lockProofOf(lock)]),
    ]
  }

  /**
   * Gathers the party's signatures on `request`; a peer whose answer is forged is proven faulty
   * and not asked again for a while.
   */
  gatherSignatures(ask: SignatureAsk, party: readonly string[]): Promise<Gathered> {
    return gatherSignatures(this.context, ask, party, (id) =>
      this.#suspicion.convict(id, this.context.clock.now()),
    )
  }
}
