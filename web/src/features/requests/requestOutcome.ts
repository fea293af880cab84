import type { TxResponse } from '../../../../shared/api/index.ts'
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
    return {
      stage: 'rejected',
      reason: mostCommon(rejected.map((a) => a?.reason ?? 'rejected')),
      ...batch,
    }
  }
  if (applied.length >= quorum) return { stage: 'applied', appliedBy: applied.length, ...batch }
  if (applied.length + rejected.length === 0) return undefined
  return { stage: 'finalized', appliedBy: applied.length, ...batch }
}

function mostCommon(reasons: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'rejected'
}
