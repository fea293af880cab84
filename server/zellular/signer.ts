import { z } from 'zod'
import {
  bls,
  finalizationVoteMessage,
  parseSignatureRecord,
  parseTimeLock,
  syncPointMessage,
  timeLockCheck,
  type FinalizationVote,
  type ProofCheck,
  type TimeLock,
} from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { BatchLog } from './batchLog.ts'
import type { Chain } from './chain.ts'
import type { ProgressBell } from './progressBell.ts'
import { unixSeconds } from './clock.ts'
import { FinalizationTimeRefusal, sameValue } from './finalizationTimes.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import type { NodeContext } from './nodeContext.ts'

export const signSyncPointSchema = z.object({
  app_name: z.string(),
  state: z.enum(['sequenced', 'locked']),
  index: z.number().int().positive(),
  parent_index: z.number().int().nonnegative(),
  chaining_hash: z.string(),
  timestamp: z.number().int().nonnegative(),
  /**
   * Not in zsequencer: proofs the sequencer sends along in case this node has not received them
   * yet, the finalization at `parent_index` and, to finalize, the lock of `index` (see below).
   */
  proofs: z.array(z.unknown()).max(2).optional(),
  /**
   * Not in zsequencer: the time lock a finalization needs here, for exactly its index, chaining
   * hash and timestamp (`finalizationTimes.ts`).
   */
  time_lock: z.unknown().optional(),
  /**
   * Not in zsequencer: with a lock whose parent is the last finalization and no other lock
   * pending, a vote to finalize this lock's index at `timestamp` in `view`, so the finalization
   * needs no vote round of its own (`synchronizer.ts`). The answer carries it as
   * `vote_signature` when this node may cast it; the lock is signed either way.
   */
  vote: z
    .object({
      timestamp: z.number().int().nonnegative(),
      view: z.number().int().nonnegative(),
    })
    .optional(),
})
export type SignSyncPointRequest = z.output<typeof signSyncPointSchema>

/** `POST /node/sign_finalization_vote` (not in zsequencer): a vote on a finalization's value. */
export const signFinalizationVoteSchema = z.object({
  app_name: z.string(),
  parent_index: z.number().int().nonnegative(),
  index: z.number().int().positive(),
  chaining_hash: z.string(),
  timestamp: z.number().int().nonnegative(),
  view: z.number().int().nonnegative(),
  /** A time lock on this value from an earlier view, when the sequencer proposes it again. */
  justification: z.unknown().optional(),
  /** As a finalization request's: the parent's finalization and the lock of `index`. */
  proofs: z.array(z.unknown()).max(2).optional(),
})
export type SignFinalizationVoteRequest = z.output<typeof signFinalizationVoteSchema>

const CLOCK_SKEW_SECONDS = 10

const refuse = (message: string) => new ZsequencerHttpError('InvalidRequestError', message)

/**
 * `POST /node/sign_sync_point`: the node signs a lock (`sequenced`) or finalization (`locked`)
 * point only if it holds that batch with the same chaining hash in at least that state, and the
 * parent is its own last finalized index (zsequencer `node/tasks.py sign_sync_point`; for a lock,
 * or an earlier one, see below).
 *
 * In zsequencer a node learns of a new finalization or lock only from its next PUT to the
 * sequencer, and reports it in the PUT after that; until then it refuses to sign on top of it,
 * so the sequencer waits for those reports before every round. With one follower faulty, every
 * round needs both other followers, so each cycle waited for the slower one twice more. Our
 * sequencer sends the proofs along (`proofs`); they are applied first, through the same checks
 * as proofs from the sequencer's answers (signature, chaining hash, parent), so a node signs
 * only on top of what a threshold proved. Only the two proofs the request needs are looked at.
 *
 * Unlike zsequencer, a finalization is signed only with a time lock for exactly its index, hash
 * and timestamp (`time_lock`), which binds this node to it (`finalizationTimes.ts`); its
 * timestamp was checked against the voters' clocks, not against this node's now.
 */
export function signSyncPoint(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  request: SignSyncPointRequest,
) {
  const log = logs.get(request.app_name)
  // A finalization's timestamp was checked against the clocks of a threshold when its time lock
  // was voted (`signFinalizationVote`); it may be older now, proposed again after a switch.
  const timeLock = request.state === 'locked' ? parsedTimeLock(request.time_lock) : undefined
  if (timeLock && !sameValue(timeLock, request)) {
    throw refuse('The time lock is for another finalization.')
  }
  // The time lock's pairing check joins the carried proofs' when they have one (a lock this node
  // has not seen yet, the usual case): one final exponentiation for all.
  const timeLockChecked = timeLock && timeLockCheck(request.app_name, timeLock)
  const timeLockVerified = applyCarriedProofs(chain, request, timeLockChecked)
  if (request.state === 'sequenced' && request.timestamp !== 0) {
    throw refuse('A lock is signed with timestamp 0.')
  }
  if (log.lastFinalized > 0) {
    if (request.state === 'locked' && parentTimestamp(log) > request.timestamp) {
      throw refuse('Finalization timestamp is older than the last finalization.')
    }
    // zsequencer wants the parent to be this node's last finalization. A lock may name an older
    // one: the sequencer asks for locks while its finalization round before them still runs
    // (`synchronizer.ts`), and that finalization may reach this node first. Such a lock binds
    // this log as any other (chaining hash below), and `promote` takes it. Finalizations stay a
    // chain, each on the one before it.
    const olderParentOk = request.state === 'sequenced' && request.parent_index < log.lastFinalized
    if (request.parent_index !== log.lastFinalized && !olderParentOk) {
      throw refuse('Wrong parent index.')
    }
  }
  const reached = request.state === 'sequenced' ? log.lastSequenced : log.lastLocked
  const record = log.get(request.index)
  if (!record || request.index > reached || record.chainingHash !== request.chaining_hash) {
    throw refuse('The batch is not in the requested state here.')
  }
  if (timeLock) {
    // Last when alone: its pairing check is the dearest of the checks.
    if (timeLockChecked && !timeLockVerified) verifyOrRefuse(context, timeLockChecked)
    bindTimes(() => logs.times.finalize(request.app_name, timeLock))
  }
  const { proofs: _proofs, time_lock: _timeLock, vote: _vote, ...point } = request
  const message = context.hooks.syncPointToSign(syncPointMessage(point))
  const signature = bls.formatPoint(bls.sign(context.secretKey, message))
  const answer: typeof point & { signature: string; vote_signature?: string } = {
    ...point,
    signature,
  }
  const voteSignature = voteWithLock(context, logs, request)
  if (voteSignature !== undefined) answer.vote_signature = voteSignature
  return answer
}

/**
 * `POST /node/sign_finalization_vote`: the node votes for finalizing `index` with `chaining_hash`
 * and `timestamp` on `parent_index` in `view`, if it could sign that finalization (the batch
 * locked here with that hash, the parent its last finalization, the timestamp not older than
 * the parent's) and `FinalizationTimes.vote` allows it. A new value's timestamp must be within
 * 10 s of this node's clock, as a finalization's in zsequencer; one proposed again comes with
 * its earlier time lock (`justification`) and keeps its time. The view may not be more than
 * 10 s ahead of this node's clock: a sequencer could otherwise spend the views of the future.
 * A refusal because this node is locked on another value carries that lock (`data.locked`).
 */
export function signFinalizationVote(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  request: SignFinalizationVoteRequest,
) {
  const app = request.app_name
  applyCarriedProofs(chain, { ...request, state: 'locked' })
  const justification =
    request.justification === undefined ? undefined : parsedTimeLock(request.justification)
  const { proofs: _proofs, justification: _justification, ...vote } = request
  const signature = castVote(context, logs, vote, justification, logs.get(app).lastLocked)
  return { ...vote, signature }
}

/**
 * Checks and records this node's vote (`signFinalizationVote`) and signs it; `heldUpTo` is how
 * far the batch must be held (locked, or sequenced when the lock is signed with it).
 */
function castVote(
  context: NodeContext,
  logs: AppLogs,
  vote: FinalizationVote,
  justification: TimeLock | undefined,
  heldUpTo: number,
): string {
  const log = logs.get(vote.app_name)
  if (justification && !sameValue(justification, vote)) {
    throw refuse('The justification is for another finalization.')
  }
  if (vote.view > context.clock.now() + CLOCK_SKEW_SECONDS * 1000) {
    throw refuse("The view is ahead of this node's clock.")
  }
  if (
    !justification &&
    Math.abs(vote.timestamp - unixSeconds(context.clock)) >= CLOCK_SKEW_SECONDS
  ) {
    throw refuse('Finalization timestamp is out of range.')
  }
  if (vote.parent_index !== log.lastFinalized) throw refuse('Wrong parent index.')
  if (log.lastFinalized > 0 && parentTimestamp(log) > vote.timestamp) {
    throw refuse('Finalization timestamp is older than the last finalization.')
  }
  const record = log.get(vote.index)
  if (!record || vote.index > heldUpTo || record.chainingHash !== vote.chaining_hash) {
    throw refuse('The batch is not in the requested state here.')
  }
  if (justification) verifyOrRefuse(context, timeLockCheck(vote.app_name, justification))
  bindTimes(() => logs.times.vote(vote.app_name, vote, justification))
  const message = context.hooks.syncPointToSign(finalizationVoteMessage(vote))
  return bls.formatPoint(bls.sign(context.secretKey, message))
}

/**
 * The vote a lock request carries (`vote`), signed if this node may cast it, else undefined:
 * the lock is signed either way.
 */
function voteWithLock(
  context: NodeContext,
  logs: AppLogs,
  request: SignSyncPointRequest,
): string | undefined {
  if (request.state !== 'sequenced' || request.vote === undefined) return undefined
  const { app_name, parent_index, index, chaining_hash } = request
  const vote = { app_name, parent_index, index, chaining_hash, ...request.vote }
  try {
    return castVote(context, logs, vote, undefined, logs.get(app_name).lastSequenced)
  } catch {
    return undefined
  }
}

/** The timestamp of the log's last finalization (0 when there is none). */
function parentTimestamp(log: BatchLog): number {
  return log.get(log.lastFinalized)?.timestamp ?? 0
}

/** A time lock from a request, parsed, or a refusal saying why not. */
function parsedTimeLock(value: unknown): TimeLock {
  if (value === undefined) throw refuse('A finalization needs a time lock.')
  try {
    return parseTimeLock(value)
  } catch (error) {
    throw refuse(`The time lock does not verify: ${(error as Error).message}`)
  }
}

/** Verifies a time lock's check (`timeLockCheck`), or refuses. */
function verifyOrRefuse(context: NodeContext, check: ProofCheck): void {
  try {
    context.network.verifyAggregates([check])
  } catch (error) {
    throw refuse(`The time lock does not verify: ${(error as Error).message}`)
  }
}

/**
 * Runs a `FinalizationTimes` step, turning its refusal (with the lock that binds this node) into
 * the peer's 400, and a store that cannot write (a full disk) into a refusal too: a vote or
 * lock not stored is not given.
 */
function bindTimes(step: () => void): void {
  try {
    step()
  } catch (error) {
    if (error instanceof FinalizationTimeRefusal) {
      const data = error.locked === undefined ? undefined : { locked: error.locked }
      throw new ZsequencerHttpError('InvalidRequestError', error.message, data)
    }
    throw refuse(`unstored (${(error as Error).message})`)
  }
}

/**
 * `signSyncPoint`, once this node holds the batch a lock asks for or `signWaitMs` have passed:
 * our sequencer asks followers that say they wait (`sign_wait_ms` in their PUTs) to lock what it
 * has just answered them, and the request may come in before the answer is taken in. What is
 * signed is checked as ever, after the wait, and so is who asks: `mayStillAsk` throws unless the
 * asker is still this node's sequencer. A node that began a switch while it held the request
 * and signed anyway would lock for the old sequencer after asking its peers for their locks:
 * the new sequencer then misses that lock, builds another chain over its index, and no report
 * of the followers, who hold the lock, matches its log again (chaos seed 900, 12 s without a
 * lock until a dispute).
 */
export async function signSyncPointWhenHeld(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  progress: ProgressBell,
  request: SignSyncPointRequest,
  /** The node that asks (the sequencer), for whom the request is held. */
  signer: string,
  mayStillAsk: () => void,
) {
  const log = logs.get(request.app_name)
  const waitMs = context.config.signWaitMs
  if (request.state === 'sequenced' && waitMs > 0) {
    const holder = { key: signer, peer: true }
    await progress.until(() => log.lastSequenced >= request.index, waitMs, holder)
  }
  mayStillAsk()
  return signSyncPoint(context, logs, chain, request)
}

/**
 * Applies the request's proofs that it needs: the parent's finalization, then the lock. `extra`
 * (a time lock's check) is verified in the same pairing check when they are: true when it was.
 */
function applyCarriedProofs(
  chain: Chain,
  request: Pick<SignSyncPointRequest, 'app_name' | 'state' | 'index' | 'parent_index' | 'proofs'>,
  extra?: ProofCheck,
): boolean {
  const proofs = (request.proofs ?? []).flatMap((raw) => {
    try {
      return [parseSignatureRecord(raw)]
    } catch {
      return []
    }
  })
  const parent = proofs.find(
    (proof) => proof.state === 'locked' && proof.index === request.parent_index,
  )
  const lock = proofs.find(
    (proof) =>
      request.state === 'locked' && proof.state === 'sequenced' && proof.index === request.index,
  )
  // A refusal (already applied, does not verify, not this log) leaves the checks to decide.
  const carried = [parent, lock].filter((proof) => proof !== undefined)
  const verified = chain.verifiedTogether(request.app_name, carried, extra ? [extra] : [])
  for (const proof of carried) chain.promote(request.app_name, proof, verified.records.has(proof))
  return verified.extra
}
