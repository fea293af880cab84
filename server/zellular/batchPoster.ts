import { z } from 'zod'
import {
  bodyDigestsInSlices,
  chainHash,
  DEFAULT_WORK_PER_SLICE,
  nextMacrotask,
  parseSignatureRecord,
  verifySignatureRecord,
  WorkSlices,
  type SignatureRecord,
} from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import { unixSeconds } from './clock.ts'
import type { NodeContext } from './nodeContext.ts'
import type { Outbox } from './outbox.ts'
import { HOLD_BEAT_MS } from './heldAnswer.ts'
import { overPageLimit } from './pageLimit.ts'
import { errorCode } from './peers.ts'
import { isOversizeBatch, sizeKb, type SlidingWindowLimiter } from './rateLimiter.ts'
import type { SequencerPutRequest } from './sequencerApi.ts'
import type { RoleView } from './sequencerRole.ts'

/**
 * How long past its hold a held PUT may go unanswered before the sequencer counts as down. An
 * honest sequencer answers a held PUT when the hold ends, or sooner with news; one that is
 * paused or cut off answers never, so this margin (not the 5 s of a PUT carrying batches, which
 * the sequencer must first take in) is what an idle follower waits to notice it.
 */
export const HELD_ANSWER_MARGIN_MS = 2_000

/**
 * How late past a beat a held answer may be before the sequencer counts as paused or cut off:
 * it writes a space every `HOLD_BEAT_MS` while it holds, a timer on its loop, which runs late by
 * ~0.1 s at p99 on two cores at 200 tx/s. A second covers that many times over; a held PUT then
 * notices a paused sequencer 1.5 s after its last beat (`bench:failover --pause`, BENCHMARKS).
 */
export const HELD_SILENCE_MARGIN_MS = 1_000

/**
 * The sequencer's answer to `PUT /sequencer/batches`, checked before use (`checkAnswer`): a
 * Byzantine sequencer may answer anything, and a malformed answer counts as no answer (it leads
 * to a dispute).
 */
const sequencerAnswerSchema = z.object({
  data: z.object({
    batches: z.array(z.string()),
    last_finalized_index: z.number().int().nonnegative(),
    finalized_signatures: z.array(z.unknown()),
    last_locked_signature: z.unknown(),
  }),
})
type SequencerAnswer = z.output<typeof sequencerAnswerSchema>['data']

type Outcome = 'caught_up' | 'behind' | 'report' | 'error' | 'interrupted'

/**
 * What a posting round tells the node: `not_sequencer` when the sequencer says it no longer is
 * (this node missed a switch and should ask the network, §8.7).
 */
export type PostSignal = 'not_sequencer' | undefined

/**
 * The node posting loop (zsequencer `node/tasks.py send_batches`, §8.2): forward queued client
 * batches to the sequencer and learn, from its answer, the batches, lock and finalization proofs
 * this node lacks. Repeats per app until caught up; the first round in which every app is caught
 * at once marks the node synced. Owns what the node knows of its link to the sequencer.
 */
export class BatchPoster {
  /** Set after the first full catch-up round; client routes answer 503 until then (never cleared). */
  #synced = false
  /** The last PUT failed or was answered with garbage: a dispute trigger. */
  #sequencerDown = false
  #notSequencerSeen = false
  /** Apps whose last round left nothing to send or learn: their next PUT may be held. */
  readonly #idle = new Set<string>()
  /** Ends the held PUT when client batches arrive. */
  #hold: AbortController | undefined
  /** Ends the PUT under way when a switch starts (`settle`). */
  #sending: AbortController | undefined
  /** The posting round under way, which a switch waits for (`settle`). */
  #round: Promise<PostSignal> | undefined
  /** The last round moved this node's sequences, or its PUT was held for news. */
  #wantsAnotherRound = false
  /** When this node began following its sequencer (a switch's end), for its setup window. */
  #followingSince = Number.NEGATIVE_INFINITY

  constructor(
    private readonly context: NodeContext,
    private readonly role: RoleView,
    private readonly logs: AppLogs,
    private readonly chain: Chain,
    private readonly outbox: Outbox,
    /** The forwarding budget, shared with the client intake. */
    private readonly sendLimiter: SlidingWindowLimiter,
  ) {}

  get synced(): boolean {
    return this.#synced
  }

  get sequencerDown(): boolean {
    return this.#sequencerDown
  }

  /** A new sequencer: whether the old one answered says nothing about it. */
  forgetSequencer(): void {
    this.#sequencerDown = false
    this.#idle.clear()
    this.#followingSince = this.context.clock.now()
  }

  /**
   * zsequencer's followers sleep the setup deadline after a switch before posting, so the new
   * sequencer can adopt its peers' state first; a PUT it refuses meanwhile (still paused, or the
   * switch request not yet there) would count as a failure and start a dispute. Ours post at
   * once and take those two refusals as "not yet" within the deadline: the switch costs what the
   * new sequencer's setup takes, not the whole deadline.
   */
  private isSettingUp(code: string | undefined): boolean {
    if (code !== 'IsPausedError' && code !== 'IsNotSequencerError') return false
    const since = this.context.clock.now() - this.#followingSince
    return since < this.context.config.sequencerSetupDeadlineMs
  }

  /**
   * Whether the next round should start at once rather than after the interval (`wakeOnWork`):
   * the last one learned something (more may follow right away), or the sequencer held its PUT
   * (so holding paces the rounds). A sequencer that answers at once with nothing new (zsequencer)
   * leaves the interval in charge.
   */
  get wantsAnotherRound(): boolean {
    return this.#wantsAnotherRound
  }

  /** Client batches are waiting: the PUT held by the sequencer ends, to carry them. */
  interrupt(): void {
    this.#hold?.abort()
  }

  /**
   * A switch has paused the node: the PUT under way, or the check of its answer, ends at once
   * (its bodies go back to the queue, uncertain, as after a failure) and the round returns. The switch waits for this
   * before it decides what to re-send, so no body of the old sequencer's era comes back after
   * that decision, and no late answer of the old sequencer lands in the new one's log.
   */
  async settle(): Promise<void> {
    this.#sending?.abort()
    await this.#round?.catch(() => undefined)
  }

  /** One posting round over every app. */
  post(): Promise<PostSignal> {
    const round = this.postApps().finally(() => {
      if (this.#round === round) this.#round = undefined
    })
    this.#round = round
    return round
  }

  private async postApps(): Promise<PostSignal> {
    const { role } = this
    if (role.isSequencer || role.paused) return undefined
    this.#notSequencerSeen = false
    this.#wantsAnotherRound = false
    let caughtUpAtOnce = true
    for (const app of shuffled(this.logs.apps())) {
      if (role.isSequencer || role.paused) return this.signal()
      for (let round = 1; ; round++) {
        const outcome = await this.postApp(app)
        if (outcome === 'caught_up') this.#idle.add(app)
        else this.#idle.delete(app)
        if (outcome === 'error') caughtUpAtOnce = false
        if (outcome === 'error' || outcome === 'caught_up' || outcome === 'interrupted') break
        if (outcome === 'behind' && round === 1) caughtUpAtOnce = false
        // Reporting new proofs is bounded: at most one extra round trip per app and loop.
        if (outcome === 'report' && round > 1) break
        if (role.isSequencer || role.paused) return this.signal()
      }
    }
    if (caughtUpAtOnce && !this.#synced) {
      this.#synced = true
      this.context.log.info(`synced with sequencer ${role.sequencerId}`)
    }
    return this.signal()
  }

  private signal(): PostSignal {
    return this.#notSequencerSeen ? 'not_sequencer' : undefined
  }

  private async postApp(app: string): Promise<Outcome> {
    const { context, outbox } = this
    const log = this.logs.get(app)
    // After a failed PUT nothing new goes out until an answer shows what the sequencer took.
    const bodies = outbox.hasUncertain(app)
      ? []
      : outbox.take(app, this.sendLimiter.remainingKb(context.id))
    const request: SequencerPutRequest = context.hooks.alterReport({
      app_name: app,
      batches: bodies,
      sequenced_index: log.lastSequenced,
      sequenced_chaining_hash: log.chainingHashAt(log.lastSequenced),
      locked_index: log.lastLocked,
      locked_chaining_hash: log.chainingHashAt(log.lastLocked),
      finalized_index: log.lastFinalized,
      timestamp: unixSeconds(context.clock),
      // Our sequencer may then ask for locks of what it answers before this node reports it.
      ...(context.config.signWaitMs > 0 ? { sign_wait_ms: context.config.signWaitMs } : {}),
    })
    const sequencer = context.network.operator(this.role.sequencerId)
    if (!sequencer) return 'error'
    const holdMs = this.holdMsFor(app, bodies.length)
    const hold = holdMs > 0 ? new AbortController() : undefined
    const sending = new AbortController()
    const progressBefore = log.lastSequenced + log.lastLocked + log.lastFinalized
    const started = performance.now()
    let answer: SequencerAnswer
    let proofs: AnswerProofs
    let answeredAt = started
    let verdicts: ReadonlyMap<SignatureRecord, string | null>
    let digests: readonly string[]
    try {
      // Before the first sync the sequencer may be sending a long history (zsequencer: 30 s).
      const timeoutMs =
        holdMs > 0
          ? holdMs + HELD_ANSWER_MARGIN_MS
          : this.#synced
            ? context.config.sequencerAnswerTimeoutMs
            : 30_000
      const path = '/sequencer/batches'
      const payload = holdMs > 0 ? { ...request, wait_ms: holdMs, beat_ms: HOLD_BEAT_MS } : request
      // Our sequencer beats while it holds: silence for a beat and the margin means it is gone.
      const silenceMs = holdMs > 0 ? HOLD_BEAT_MS + HELD_SILENCE_MARGIN_MS : undefined
      this.#hold = hold
      this.#sending = sending
      const ends = hold ? AbortSignal.any([hold.signal, sending.signal]) : sending.signal
      const response = await context.peers
        .send('PUT', sequencer, path, payload, timeoutMs, ends, silenceMs)
        .finally(() => {
          this.#hold = undefined
        })
      answeredAt = performance.now()
      if (response.status !== 200) {
        outbox.requeueUncertain(app, bodies)
        const code = errorCode(response.body)
        if (this.isSettingUp(code)) return 'error'
        if (code === 'IsNotSequencerError') this.#notSequencerSeen = true
        else this.#sequencerDown = true
        return 'error'
      }
      const checked = this.checkAnswer(app, response.body)
      if ('fault' in checked) {
        outbox.requeueUncertain(app, bodies)
        this.#sequencerDown = true
        context.log.warn(`sequencer ${sequencer.id} sent ${checked.fault} for ${app}`)
        return 'error'
      }
      answer = checked.answer
      // Checked before anything of the answer is applied, with yields between slices of the
      // work: the answer is then applied in one go, as it arrived. A switch's `settle` ends the
      // check as it ends the PUT.
      proofs = this.proofsOf(app, answer)
      const { lock, finalizations } = proofs
      const slices = new WorkSlices(DEFAULT_WORK_PER_SLICE, nextMacrotask, sending.signal)
      verdicts = await this.chain.verifyInSlices(
        app,
        lock ? [lock, ...finalizations] : finalizations,
        slices,
      )
      // The bodies too (up to a page, ~2.5 MB): appending them then only chains their digests.
      digests = await bodyDigestsInSlices(answer.batches, slices)
    } catch {
      // Ended to carry new client batches: the sequencer was fine, and nothing was sent.
      if (hold?.signal.aborted === true) return 'interrupted'
      outbox.requeueUncertain(app, bodies)
      // Ended by a switch (`settle`): says nothing about the sequencer.
      if (sending.signal.aborted) return 'interrupted'
      this.#sequencerDown = true
      return 'error'
    } finally {
      this.#sending = undefined
    }
    const held = holdMs > 0 && answeredAt - started >= holdMs / 2
    this.sendLimiter.charge(
      context.id,
      bodies.reduce((sum, body) => sum + sizeKb(body), 0),
    )
    outbox.delivered(app, bodies)
    const reportedBefore = log.lastLocked + log.lastFinalized
    const forked = this.applyAnswer(app, answer, proofs, verdicts, digests)
    this.#sequencerDown = false
    if (context.config.wakeOnWork) {
      const progressed = log.lastSequenced + log.lastLocked + log.lastFinalized > progressBefore
      this.#wantsAnotherRound ||= progressed || held
    }
    const complete = this.isCompletePage(answer)
    // A fork's answer holds the batches after the index this node reported, not those after the
    // fork: it cannot tell which of the re-queued batches the sequencer holds. The next one can.
    if (!forked && outbox.resolveUncertain(app, answer.batches, complete)) {
      this.#wantsAnotherRound = true
    }
    const dropped = outbox.checkEcho(app, bodies, answer.batches, complete)
    if (dropped > 0) {
      context.log.warn(`sequencer ${sequencer.id} dropped ${dropped} batches of ${app}`)
    }
    if (answer.last_finalized_index > log.lastSequenced) return 'behind'
    // A new lock or finalization is reported back at once: the sequencer's next step waits on
    // it. With `wakeOnWork` the next round starts at once anyway (this one moved the sequences)
    // and its PUT, held, is that report: a PUT of its own would only add a round trip.
    const learned = log.lastLocked + log.lastFinalized > reportedBefore
    return learned && !context.config.wakeOnWork ? 'report' : 'caught_up'
  }

  /**
   * How long the sequencer may hold this PUT (`wakeOnWork`): only when it carries nothing, the
   * last round of the app found nothing new, and the app is the node's only one (a held PUT
   * would keep the round from the other apps). `followerIdleHoldMs` once all is finalized:
   * the sequencer's beats show it alive meanwhile (`heldAnswer.ts`).
   */
  private holdMsFor(app: string, bodies: number): number {
    const { wakeOnWork, followerHoldMs, followerIdleHoldMs } = this.context.config
    if (!wakeOnWork || !this.#synced || bodies > 0 || !this.#idle.has(app)) return 0
    // Bodies of a failed PUT wait for this answer to learn whether they were taken.
    if (this.outbox.hasUncertain(app)) return 0
    if (this.logs.apps().length !== 1) return 0
    // With batches waiting for finalization, the dispute checks between PUTs must run soon.
    const log = this.logs.get(app)
    const holdMs = log.lastSequenced > log.lastFinalized ? followerHoldMs : followerIdleHoldMs
    // Queued bodies wait for the forwarding budget: the PUT that carries them goes out once it
    // frees (under a backlog a full hold would cut the forwarding rate to a budget a hold).
    const next = this.outbox.sample(app)
    if (next === undefined) return holdMs
    return Math.min(holdMs, this.sendLimiter.msUntilFits(this.context.id, sizeKb(next)))
  }

  /**
   * The sequencer's answer, or what makes it count as no answer (a dispute follows): malformed,
   * of more batches than a page of an honest sequencer holds (`pageBatchLimit`), or holding a
   * batch over `maxBatchSizeKb` that no finalization proof in it covers. No client can put such
   * a batch into an honest node (`submitRoutes.ts`, `SequencerInbox`), so only a
   * lying sequencer sends one, and honest followers never lock or finalize it. Taken, locked and
   * finalized, one over the page cap made every later page empty: every reader and node behind
   * it stopped there for good. One that a quorum finalized already (a log from before followers
   * refused them) is taken, or the nodes behind it could not catch up.
   */
  private checkAnswer(app: string, body: unknown): { answer: SequencerAnswer } | { fault: string } {
    // Counted before the schema and any hash: each batch costs the node work (`pageLimit.ts`).
    const overLimit = overPageLimit(body, this.context.pageCapBytes)
    if (overLimit !== null) return { fault: `an answer of ${overLimit}` }
    const parsed = sequencerAnswerSchema.safeParse(body)
    if (!parsed.success) return { fault: 'a malformed answer' }
    const answer = parsed.data.data
    const { maxBatchSizeKb } = this.context.config
    const oversize = answer.batches.findIndex((batch) => isOversizeBatch(batch, maxBatchSizeKb))
    if (oversize >= 0 && !this.provesFinalized(app, answer, oversize)) {
      return { fault: `a batch over maxBatchSizeKb (${maxBatchSizeKb} KB) with no finalization` }
    }
    return { answer }
  }

  /**
   * Whether the first finalization proof in `answer` for an index at or past its batch at
   * `position`, in the chain its batches make appended to this node's log, verifies. Only the
   * first is checked: an honest sequencer's proofs all verify, and a lying one's answer may hold
   * ~93,000 proofs that pass these checks, a pairing check (~4 ms) each, in one call.
   */
  private provesFinalized(app: string, answer: SequencerAnswer, position: number): boolean {
    const log = this.logs.get(app)
    const hashes: string[] = []
    let hash = log.chainingHashAt(log.lastSequenced)
    for (const batch of answer.batches) hashes.push((hash = chainHash(hash, batch)))
    for (const raw of answer.finalized_signatures) {
      const proof = parseOrNull(raw)
      const at = proof ? proof.index - log.lastSequenced - 1 : -1
      if (!proof || proof.state !== 'locked' || at < position) continue
      if (hashes[at] !== proof.chaining_hash) continue
      try {
        verifySignatureRecord(this.context.network, app, proof)
        return true
      } catch {
        return false
      }
    }
    return false
  }

  /** The answer's lock past this node's, and its finalizations not old here (malformed: none). */
  private proofsOf(app: string, answer: SequencerAnswer): AnswerProofs {
    const { chain } = this
    const log = this.logs.get(app)
    const parsedLock = parseOrNull(answer.last_locked_signature)
    const finalizations = answer.finalized_signatures.flatMap((raw) => {
      const proof = parseOrNull(raw)
      return proof && !chain.isOld(app, proof) ? [proof] : []
    })
    return {
      lock: parsedLock && parsedLock.index > log.lastLocked ? parsedLock : null,
      finalizations,
    }
  }

  /**
   * `sync_with_sequencer`: append the new bodies, then apply the lock and finalization proofs
   * (`proofs`, whose signatures `verdicts` gives, `Chain.verifyInSlices`). `digests` are the
   * bodies' `xxh128`s (`bodyDigestsInSlices`). Returns whether a finalization contradicted this
   * node's unfinalized tail, which is dropped.
   */
  private applyAnswer(
    app: string,
    answer: SequencerAnswer,
    proofs: AnswerProofs,
    verdicts: ReadonlyMap<SignatureRecord, string | null>,
    digests: readonly string[],
  ): boolean {
    const { chain, context } = this
    const log = this.logs.get(app)
    chain.append(app, answer.batches, context.clock.now(), digests)
    const { finalizations } = proofs
    const lock =
      proofs.lock && proofs.lock.index > log.lastLocked && proofs.lock.index <= log.lastSequenced
        ? proofs.lock
        : null
    // A proof whose group failed is refused without a pairing check of its own.
    const promote = (proof: SignatureRecord) => {
      const verdict = verdicts.get(proof)
      return typeof verdict === 'string' ? verdict : chain.promote(app, proof, verdict === null)
    }
    if (lock) {
      const refusal = promote(lock)
      if (refusal) context.log.warn(`lock ${lock.index} of ${app} refused: ${refusal}`)
    }
    for (const proof of finalizations) {
      if (chain.isOld(app, proof)) continue
      const refusal = promote(proof)
      if (refusal === 'forked') {
        // The next round (at once: this node is now behind) brings the network's batches.
        context.log.warn(
          `finalization ${proof.index} of ${app} conflicts with this node's unfinalized ` +
            `batches: dropped them after ${log.lastFinalized} to catch up`,
        )
        return true
      }
      if (refusal) {
        context.log.warn(`finalization ${proof.index} of ${app} refused: ${refusal}`)
        break
      }
    }
    return false
  }

  /** A page with room for one more batch was not cut by the size cap: it holds everything. */
  private isCompletePage(answer: SequencerAnswer): boolean {
    const bytes = answer.batches.reduce((sum, body) => sum + Buffer.byteLength(body, 'utf8'), 0)
    return bytes + this.context.config.maxBatchSizeKb * 1024 <= this.context.pageCapBytes
  }
}

/** The proofs of a sequencer's answer that may apply (`proofsOf`). */
interface AnswerProofs {
  readonly lock: SignatureRecord | null
  readonly finalizations: readonly SignatureRecord[]
}

function parseOrNull(raw: unknown): SignatureRecord | null {
  if (raw === null || raw === undefined) return null
  try {
    return parseSignatureRecord(raw)
  } catch {
    return null
  }
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}
