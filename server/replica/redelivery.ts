import type { BatchEffects, Exchange } from '../../shared/exchange/index.ts'
import { parseBatchItem, verifyIntent } from '../../shared/intents/index.ts'
import { isReplay } from '../../shared/ledger/index.ts'
import type { JournaledIntent } from './pendingJournal.ts'
import { readReceipt } from './readQueries.ts'
import type { ReplicaDeps } from './replicaDeps.ts'

/** Most intents sent again per sweep, so one sweep's work is bounded. */
const REDELIVERIES_PER_SWEEP_MAX = 500

/**
 * Asked before each new send of an intent: true (and its next redelivery waits from now) while
 * it is still pending here, false once its receipt was applied or it was forgotten.
 */
export function stillWanted(deps: ReplicaDeps, intentId: string): () => boolean {
  return () => {
    if (!deps.pending.has(intentId)) return false
    deps.pending.sentAgain(intentId, deps.now())
    return true
  }
}

/**
 * Whether the applied state refuses `signer`'s `nonce` for good: used, or below a full window.
 * A window's smallest nonce only grows (`shared/ledger/nonceWindow.ts`), so an intent with such
 * a nonce can never apply: every copy of it the sequence holds or will hold is skipped as a
 * replay, with no receipt, on every replica.
 */
function nonceSpent(exchange: Exchange, signer: string, nonce: bigint): boolean {
  return isReplay(exchange.ledger.checkNonce(signer, nonce, exchange.time))
}

/**
 * After a batch: forgets the pending intents of the signers whose nonces it changed that can
 * now never apply (`nonceSpent`), so that none waits for a receipt that cannot come, sent again
 * and holding a place. `GET /tx` then answers for them what every other replica does (404
 * `unknown_intent`: no receipt of them exists), and the journal drops them at its next
 * compaction or restart (`recoverJournaled`).
 */
export function forgetSpentNonces(deps: ReplicaDeps, effects: BatchEffects): void {
  const { exchange } = deps.state
  for (const { signer } of effects.nonceWindows) {
    for (const intent of deps.pending.fromSigner(signer)) {
      if (nonceSpent(exchange, intent.signer, intent.nonce)) deps.pending.delete(intent.intentId)
    }
  }
}

/**
 * Sends again the pending intents that a node accepted but that were not applied in time
 * (`PendingIntents.takeOverdue`): delivery to Zellular is at least once, from the replica's
 * side too. Refusals (the submit queue is full) wait for the next sweep.
 */
export function redeliverOverdue(deps: ReplicaDeps): void {
  const overdue = deps.pending.takeOverdue(
    deps.now(),
    deps.options.redeliverAfterMs,
    REDELIVERIES_PER_SWEEP_MAX,
  )
  if (overdue.length > 0) deps.log(`sending ${overdue.length} unapplied intents again`)
  for (const intent of overdue) {
    deps.submitter
      .submit(intent.item, { resendWanted: stillWanted(deps, intent.intentId) })
      .catch((error: unknown) => deps.log(`redelivery of ${intent.intentId} waits: ${error}`))
  }
}

/**
 * At start: the intents acknowledged before the last stop (`PendingJournal`) that are still not
 * applied become pending again, sent at the first sweep, and the journal keeps only them. One
 * whose item no longer parses or verifies (the rules changed), whose receipt exists or whose
 * nonce is spent (`nonceSpent`: it can never apply) is dropped. The time to live of those kept
 * counts from the restart: the journal does not keep submission times.
 */
export async function recoverJournaled(
  deps: ReplicaDeps,
  recovered: readonly JournaledIntent[],
): Promise<void> {
  const { exchange } = deps.state
  for (const { intentId, item } of recovered) {
    if ((await readReceipt(deps.state, intentId)) !== undefined) continue
    let json: unknown
    try {
      json = JSON.parse(item)
    } catch {
      continue
    }
    const parsed = parseBatchItem(json, exchange.ledger.tokens, exchange.domain)
    if (!parsed.ok) continue
    const verified = verifyIntent(parsed.value, exchange.domain, exchange.signerBackend)
    if (!verified.ok || verified.value.id !== intentId) continue
    const { action, signer, nonce } = verified.value
    if (nonceSpent(exchange, signer, nonce)) continue
    const submittedAtMs = deps.now()
    // As if sent one redelivery wait ago: overdue at the first sweep.
    const lastSentAtMs = submittedAtMs - deps.options.redeliverAfterMs - 1
    deps.pending.add({
      intentId,
      action,
      signer,
      nonce,
      submittedAtMs,
      lastSentAtMs,
      item,
      redeliveries: 0,
    })
  }
  if (recovered.length === 0) return
  deps.log(`${deps.pending.size} acknowledged intents from before the restart will be sent again`)
  deps.journal
    .compact(deps.pending.journaled())
    .catch((error: unknown) => deps.log(`journal compaction failed: ${error}`))
}

/** Rewrites the journal with the pending intents alone once it has grown well past them. */
export function compactJournal(deps: ReplicaDeps): void {
  if (!deps.journal.needsCompaction(deps.pending.size)) return
  deps.journal
    .compact(deps.pending.journaled())
    .catch((error: unknown) => deps.log(`journal compaction failed: ${error}`))
}
