import { z } from 'zod'
import { bls, parseSignatureRecord, syncPointMessage } from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import type { Chain } from './chain.ts'
import type { ProgressBell } from './progressBell.ts'
import { unixSeconds } from './clock.ts'
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
})
export type SignSyncPointRequest = z.output<typeof signSyncPointSchema>

const CLOCK_SKEW_SECONDS = 10

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
 */
export function signSyncPoint(
  context: NodeContext,
  logs: AppLogs,
  chain: Chain,
  request: SignSyncPointRequest,
) {
  const log = logs.get(request.app_name)
  applyCarriedProofs(chain, request)
  const refuse = (message: string) => new ZsequencerHttpError('InvalidRequestError', message)
  const now = unixSeconds(context.clock)
  if (request.state === 'locked') {
    const skew = Math.abs(request.timestamp - now)
    if (skew >= CLOCK_SKEW_SECONDS) throw refuse('Finalization timestamp is out of range.')
  } else if (request.timestamp !== 0) {
    throw refuse('A lock is signed with timestamp 0.')
  }
  if (log.lastFinalized > 0) {
    const finalized = log.get(log.lastFinalized)
    if (request.state === 'locked' && (finalized?.timestamp ?? 0) > request.timestamp) {
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
  const { proofs: _proofs, ...point } = request
  const message = context.hooks.syncPointToSign(syncPointMessage(point))
  return { ...point, signature: bls.formatPoint(bls.sign(context.secretKey, message)) }
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

/** Applies the request's proofs that it needs: the parent's finalization, then the lock. */
function applyCarriedProofs(chain: Chain, request: SignSyncPointRequest): void {
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
  const verified = chain.verifiedTogether(request.app_name, carried)
  for (const proof of carried) chain.promote(request.app_name, proof, verified.has(proof))
}
