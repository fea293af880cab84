import type { TxResponse } from '../../../../shared/api/index.ts'
import type { StableReasonCode } from '../../../../shared/intents/index.ts'
import { reasonCode } from './requestReason.ts'
import type { TrackedRequest } from './requestsState.ts'

/** One replica's `GET /tx/:id` answer; undefined when it did not answer (in time). */
export type ReplicaTxAnswer =
  Pick<TxResponse, 'status' | 'reason' | 'batchIndex' | 'time'> | undefined

/**
 * Where a request stands by the replicas' answers, under the app's k-of-n rule: it is `applied`
 * or `rejected` only when at least `quorum` replicas say so; one replica's word, either way,
 * only shows that Zellular finalized its batch (`finalized`, with how many applied it). Fewer
 * than a quorum may lie or be stale, so a single "rejected" never ends a request.
 */
export function decideRequestOutcome(
  answers: readonly ReplicaTxAnswer[],
  quorum: number,
): Partial<TrackedRequest> | undefined {
  const applied = answers.filter((answer) => answer?.status === 'applied')
  const rejected = answers.filter((answer) => answer?.status === 'rejected')
  const decided = [...applied, ...rejected]
  const batchIndex = decided[0]?.batchIndex
  // Every replica gives a batch the same time (quorum-signed by Zellular).
  const batchTime = decided.find((answer) => answer?.time !== undefined)?.time
  const batch = {
    ...(batchIndex === undefined ? {} : { batchIndex }),
    ...(batchTime === undefined ? {} : { batchTime }),
  }
  if (rejected.length >= quorum) {
    const code = mostCommon(rejected.flatMap((answer) => answer?.reason ?? []))
    return {
      stage: 'rejected',
      ...(code === undefined ? {} : { reason: reasonCode(code) }),
      ...batch,
    }
  }
  if (applied.length >= quorum) return { stage: 'applied', appliedBy: applied.length, ...batch }
  if (applied.length + rejected.length === 0) return undefined
  return { stage: 'finalized', appliedBy: applied.length, ...batch }
}

/** The code most of the rejecting replicas give; undefined when none gave one. */
function mostCommon(codes: readonly StableReasonCode[]): StableReasonCode | undefined {
  const counts = new Map<StableReasonCode, number>()
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
}
