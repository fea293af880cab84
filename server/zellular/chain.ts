import {
  DEFAULT_WORK_PER_SLICE,
  FIRST_PROOF_GROUP,
  nextMacrotask,
  PROOF_WORK,
  signatureRecordCheck,
  verifySignatureRecord,
  WorkSlices,
  type Network,
  type ProofCheck,
  type SignatureRecord,
} from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { BatchStages } from './batchStages.ts'
import type { ProgressBell } from './progressBell.ts'
import type { FinalizationWatch } from './finalizationWatch.ts'
import type { Outbox } from './outbox.ts'

/**
 * Every change to a node's sequences goes through here: appending sequenced bodies and applying
 * lock and finalization proofs. Finalizing tells the finalization watch (no dispute for what is
 * final) and the outbox (no re-sending it after a switch).
 */
export class Chain {
  constructor(
    private readonly logs: AppLogs,
    private readonly network: Network,
    private readonly watch: FinalizationWatch,
    private readonly outbox: Outbox,
    private readonly pipelineLocks: boolean,
    private readonly watchers: {
      /** Observability only: when batches reach each stage (the latency waterfall). */
      readonly stages?: BatchStages
      /** Wakes the requests held until the sequences move (long-polls). */
      readonly progress?: ProgressBell
    } = {},
  ) {}

  /**
   * Appends bodies as the next sequenced batches of `app`; `digests` are their `xxh128`s when
   * computed ahead (`bodyDigestsInSlices`).
   */
  append(app: string, bodies: readonly string[], now: number, digests?: readonly string[]): void {
    const log = this.logs.get(app)
    const from = log.lastSequenced
    log.append(bodies, digests)
    this.watch.sequenced(app, from, log.lastSequenced, now)
    this.watchers.stages?.sequenced(app, from, bodies)
    this.watchers.progress?.ring()
  }

  /**
   * The records among `records` that `promote` would not skip as old, when they and the `extra`
   * checks all verify, checked together in one pairing check (the two proofs a sign request
   * carries, and a finalization's time lock): promote each of those with `alreadyVerified`, and
   * `extra` is true. Nothing verified (an empty set, `extra` false) when they do not all verify,
   * or when there are fewer than two checks or no fresh record: `promote` then verifies each
   * record alone and names the bad one, and the caller checks `extra` alone. A record left out
   * as old must still be verified if it is promoted after all (a dropped forked tail makes an
   * old lock new again). A list of unbounded length goes to `verifyInSlices`.
   */
  verifiedTogether(
    app: string,
    records: readonly SignatureRecord[],
    extra: readonly ProofCheck[] = [],
  ): { readonly records: ReadonlySet<SignatureRecord>; readonly extra: boolean } {
    const fresh = records.filter((record) => !this.isOld(app, record))
    const none = { records: new Set<SignatureRecord>(), extra: false }
    if (fresh.length === 0 || fresh.length + extra.length < 2) return none
    try {
      this.network.verifyAggregates([
        ...fresh.map((record) => signatureRecordCheck(app, record)),
        ...extra,
      ])
      return { records: new Set(fresh), extra: extra.length > 0 }
    } catch {
      return none
    }
  }

  /**
   * Checks the signatures of the records `promote` would not skip as old (the lock and
   * finalizations of an answer from the sequencer, a catch-up page: as many as a peer sends) as
   * `PageVerifier` checks a page's, with a yield to the event loop between slices of work and in
   * growing groups (16, 32, …) of one pairing check each. Checked in one call, the ~93,000 proofs
   * of a 32 MB answer held the node for about 25 s (0.25 ms each here): no rounds, no answers,
   * and its peers disputed it. The verdict of each record checked: null when it verified (promote
   * it with `alreadyVerified`), else why it is not to be promoted: its group failed, or came
   * after one that did. A bad proof stops the work once its group is checked, at most twice the
   * valid proofs before it plus 16, and no proof is then checked alone: a Byzantine peer's page
   * of thousands would cost a pairing each. A record left out as old has no verdict: `promote`
   * verifies it alone if it is new after all (a dropped forked tail makes an old lock new again).
   * Nothing changes here: the caller promotes after the last yield. An abort of the slices'
   * signal rejects with its reason at the next slice.
   */
  async verifyInSlices(
    app: string,
    records: readonly SignatureRecord[],
    slices = new WorkSlices(DEFAULT_WORK_PER_SLICE, nextMacrotask),
  ): Promise<ReadonlyMap<SignatureRecord, string | null>> {
    const fresh = records.filter((record) => !this.isOld(app, record))
    const verdicts = new Map<SignatureRecord, string | null>()
    for (let start = 0, size = FIRST_PROOF_GROUP; start < fresh.length; start += size, size *= 2) {
      const group = fresh.slice(start, start + size)
      const batch = this.network.aggregateBatch()
      let failure: string | null = null
      for (const record of group) {
        failure = proofFailure(() => batch.add([signatureRecordCheck(app, record)]))
        if (failure !== null) break
        // Outside the checks: an aborted signal ends the work, it does not refuse the proofs.
        if (slices.spend(PROOF_WORK.signature)) await slices.pause()
      }
      failure ??= proofFailure(() => batch.verify())
      if (failure !== null) {
        for (const record of fresh.slice(start)) verdicts.set(record, failure)
        return verdicts
      }
      for (const record of group) verdicts.set(record, null)
      if (slices.spend(PROOF_WORK.pairing)) await slices.pause()
    }
    return verdicts
  }

  /** A lock at or below the last lock, or a finalization at or below the last finalization. */
  isOld(app: string, record: SignatureRecord): boolean {
    const log = this.logs.get(app)
    return record.index <= (record.state === 'locked' ? log.lastFinalized : log.lastLocked)
  }

  /**
   * Verifies a lock or finalization proof and applies it (zsequencer's `promote_batches`).
   * Returns why it was refused, or null when applied.
   *
   * A verified finalization whose batch differs from this node's at its index means this node's
   * unfinalized tail is a fork the network did not take: typically a sequencer cut off after it
   * locked batches that no other node had locked, while the others switched and sequenced other
   * batches there. zsequencer keeps such locks, so the node refuses every later proof and never
   * recovers; here the tail is dropped ('forked') and the node's own batches in it go back to its
   * queue, so the next answer from the sequencer brings the network's batches. A lock is not
   * enough to drop anything: a conflicting lock may be the one a later switch abandons.
   */
  promote(app: string, record: SignatureRecord, alreadyVerified = false): string | null {
    if (this.isOld(app, record)) return 'old'
    const log = this.logs.get(app)
    if (!alreadyVerified) {
      try {
        verifySignatureRecord(this.network, app, record)
      } catch (error) {
        return (error as Error).message
      }
    }
    const finalizedBefore = log.lastFinalized
    const refusal = log.promote(record, this.pipelineLocks)
    if (refusal === 'chain_mismatch' && record.state === 'locked') {
      this.dropForkedTail(app)
      return 'forked'
    }
    if (refusal === null) {
      if (record.state === 'locked') this.watchers.stages?.finalized(app, record.index)
      else this.watchers.stages?.locked(app, record.index)
      if (record.state === 'sequenced') this.watch.locked(app, record.index)
      this.watchers.progress?.ring()
    }
    if (refusal === null && record.state === 'locked') {
      this.watch.finalized(app, record.index)
      if (this.outbox.hasUnfinalized(app)) {
        const finalized = log.range(finalizedBefore, 'finalized', Number.MAX_SAFE_INTEGER)
        this.outbox.finalized(
          app,
          finalized.map((batch) => batch.body),
        )
      }
    }
    return refusal
  }

  private dropForkedTail(app: string): void {
    const log = this.logs.get(app)
    log.dropUnfinalized()
    this.watch.dropped(app, log.lastFinalized)
    this.outbox.requeueUnlocked(app, [], log.lastFinalized)
    this.watchers.progress?.ring()
  }
}

/** Why `check` threw (a `ProofError`), or null when it did not. */
function proofFailure(check: () => void): string | null {
  try {
    check()
    return null
  } catch (error) {
    return (error as Error).message
  }
}
