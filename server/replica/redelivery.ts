import { parseBatchItem, verifyIntent } from '../../shared/intents/index.ts'
import type { JournaledIntent } from './pendingJournal.ts'
import { readReceipt } from './readQueries.ts'
import type { ReplicaDeps } from './replicaDeps.ts'

/** Most intents sent again per sweep, so one sweep's work is bounded. */
const REDELIVERIES_PER_SWEEP_MAX = 500

/**
 * Asked before each new send of an intent: true (and its time to live starts over) while it is
 * still pending here, false once its receipt was applied or it was forgotten.
 */
export function stillWanted(deps: ReplicaDeps, intentId: string): () => boolean {
  return () => {
    if (!deps.pending.has(intentId)) return false
    deps.pending.renew(intentId, deps.now())
    return true
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
 * whose item no longer parses or verifies (the rules changed) or whose receipt exists is dropped.
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
    // As if sent one redelivery wait ago: overdue at the first sweep, far from its time to live.
    const submittedAtMs = deps.now() - deps.options.redeliverAfterMs - 1
    deps.pending.add({ intentId, action, signer, nonce, submittedAtMs, item, redeliveries: 0 })
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
