import { z } from 'zod'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import type { NodeContext } from './nodeContext.ts'
import { finalizationProofOf, lockProofOf } from './proofRecords.ts'
import { isOversizeBatch, SlidingWindowLimiter, sizeKb } from './rateLimiter.ts'
import type { Synchronizer } from './synchronizer.ts'

export const sequencerPutSchema = z.object({
  app_name: z.string(),
  batches: z.array(z.string()),
  sequenced_index: z.number().int().nonnegative(),
  sequenced_chaining_hash: z.string(),
  locked_index: z.number().int().nonnegative(),
  locked_chaining_hash: z.string(),
  finalized_index: z.number().int().nonnegative().default(0),
  timestamp: z.number().optional(),
  /**
   * Our extension: a follower with nothing to send asks the sequencer to hold the answer until
   * there is news for it, up to this many ms (`followerHoldMs`, or `followerIdleHoldMs` while
   * all it holds is finalized). zsequencer ignores the field.
   */
  wait_ms: z.number().int().nonnegative().optional(),
  /**
   * Our extension, with `wait_ms`: the sequencer answers a held PUT at once with its status and
   * headers and a space every this many ms until the JSON (`heldAnswer.ts`), so the follower
   * tells a silent sequencer from one holding its PUT within a beat. zsequencer ignores it.
   */
  beat_ms: z.number().int().positive().optional(),
  /**
   * Our extension: this follower holds a lock request for batches it was answered but has not
   * taken in yet, up to this many ms (`signWaitMs`), so the sequencer may ask it to lock them
   * before its next report. zsequencer ignores the field.
   */
  sign_wait_ms: z.number().int().nonnegative().optional(),
})
export type SequencerPutRequest = z.output<typeof sequencerPutSchema>

/**
 * The sequencer's side of `PUT /sequencer/batches` (zsequencer `sequencer/routers.py`, §7.11):
 * sequence a node's queued batches, record how far the node is, and answer with every batch it
 * lacks plus the finalization proofs it has not applied. Owns the per-signer receive budget.
 */
export class SequencerInbox {
  readonly #receiveLimiter: SlidingWindowLimiter

  constructor(
    private readonly context: NodeContext,
    private readonly logs: AppLogs,
    private readonly chain: Chain,
    private readonly synchronizer: Synchronizer,
    /**
     * A report, or an answer to a follower that waits to sign (`sign_wait_ms`), can complete a
     * quorum: the sequencer's rounds then start at once, not a period later.
     */
    private readonly onNews: () => void,
    receiveKbPerWindow: number,
  ) {
    this.#receiveLimiter = new SlidingWindowLimiter(
      receiveKbPerWindow,
      context.config.pushRateLimitWindowMs,
      context.clock.now,
    )
  }

  /** `admit` and `take` in one go: the bodies are hashed in this call. */
  accept(signer: string, request: SequencerPutRequest) {
    this.admit(signer, request)
    return this.take(signer, request)
  }

  /**
   * Refuses a PUT whatever the state of the logs would refuse (too many batches, over the
   * signer's receive budget, a batch over the size cap, a signer that may not post), and charges
   * the budget of one it lets through.
   */
  admit(signer: string, request: SequencerPutRequest): void {
    const { context } = this
    const { maxBatchesPerRequest, maxBatchSizeKb } = context.config
    if (request.batches.length > maxBatchesPerRequest) {
      const message = `A request may hold at most ${maxBatchesPerRequest} batches.`
      throw new ZsequencerHttpError('BatchesLimitExceededError', message)
    }
    const kb = request.batches.reduce((sum, body) => sum + sizeKb(body), 0)
    if (!this.#receiveLimiter.tryCharge(signer, kb)) {
      throw new ZsequencerHttpError('BatchesLimitExceededError')
    }
    if (request.batches.some((body) => isOversizeBatch(body, maxBatchSizeKb))) {
      throw new ZsequencerHttpError('BatchSizeExceededError')
    }
    if (!context.network.operator(signer)?.roles.includes('posting')) {
      throw new ZsequencerHttpError('IsNotPostingNodeError')
    }
  }

  /**
   * Sequences an admitted PUT's batches, records the follower's report and answers it.
   * `digests`, the `xxh128` of each of its batches when computed ahead, spare hashing them here.
   */
  take(signer: string, request: SequencerPutRequest, digests?: readonly string[]) {
    const { context, chain } = this
    const now = context.clock.now()
    const bodies = context.hooks.filterFrom(signer, request.batches)
    // An adversary's filter (`faults.ts`) may make other bodies: those are hashed here.
    const ahead = bodies === request.batches ? digests : undefined
    chain.append(request.app_name, bodies, now, ahead)
    this.synchronizer.recordReport(request.app_name, signer, {
      sequencedIndex: request.sequenced_index,
      sequencedChainingHash: request.sequenced_chaining_hash,
      lockedIndex: request.locked_index,
      lockedChainingHash: request.locked_chaining_hash,
      finalizedIndex: request.finalized_index,
      updatedAt: now,
      waitsToSign: (request.sign_wait_ms ?? 0) > 0,
    })
    return this.answer(signer, request)
  }

  /**
   * Whether the sequencer has news that ends the reporting follower's held PUT: batches it lacks
   * or a finalization. A lock alone is none: the follower needs its proof only to sign the
   * finalization, whose sign request carries it (`proofsFor`), and the PUT that ends with the
   * finalization brings the lock too. Ending holds for locks cost each follower a PUT a round.
   */
  hasNewsFor(request: SequencerPutRequest): boolean {
    const log = this.logs.get(request.app_name)
    return (
      log.lastSequenced > request.sequenced_index || log.lastFinalized > request.finalized_index
    )
  }

  /** The answer to a follower's PUT: the batches, lock and finalization proofs it lacks. */
  answer(signer: string, request: SequencerPutRequest) {
    const { context } = this
    const log = this.logs.get(request.app_name)
    const records = log.range(request.sequenced_index, 'sequenced', context.pageCapBytes)
    const answeredUpTo = records.at(-1)?.index
    if (answeredUpTo !== undefined) {
      this.synchronizer.recordAnswered(request.app_name, signer, answeredUpTo)
    }
    this.onNews()
    const lastReturned = records.at(-1)?.index ?? log.lastFinalized
    const proofs = log
      .finalizationProofsBetween(request.finalized_index, lastReturned)
      .map(finalizationProofOf)
    const locked = log.get(log.lastLocked)
    return {
      batches: context.hooks.equivocate(
        signer,
        request.sequenced_index,
        records.map((record) => record.body),
      ),
      last_finalized_index: log.lastFinalized,
      finalized_signatures: proofs,
      last_locked_signature: locked?.lockedSignature ? lockProofOf(locked) : null,
    }
  }
}
