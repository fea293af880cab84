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
      .submit(intent.wire, { resendWanted: stillWanted(deps, intent.intentId) })
      .catch((error: unknown) => deps.log(`redelivery of ${intent.intentId} waits: ${error}`))
  }
}
