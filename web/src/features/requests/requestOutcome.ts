import type { TxResponse } from '../../../../shared/api/index.ts'
import { reasonCode } from './requestReason.ts'
import type { TrackedRequest } from './requestsState.ts'

/** One replica's `GET /tx/:id` answer; undefined when it did not answer (in time). */
export type ReplicaTxAnswer =
  Pick<TxResponse, 'status' | 'reason' | 'batchIndex' | 'time'> | undefined

/**
 * Where a request stands by the replicas' answers, under the app's k-of-n rule: it is `applied`
 * or `rejected` only when at least `quorum` replicas say so; one replica's word, either way,
 * only shows that Zellular finalized its batch (`finalized`, with how many applied it). Fewer
 * than a quorum may lie or be stale, so a single "rejected" never ends a request. The batch and
 * its time are those most of the deciding answers give, never one replica's alone. A quorum's
 * `rejected` is the ledger's verdict: it replaces a refusal before sequencing (`refusedBy`).
 */
export function decideRequestOutcome(
  answers: readonly ReplicaTxAnswer[],
  quorum: number,
): Partial<TrackedRequest> | undefined {
  const applied = answers.filter((answer) => answer?.status === 'applied')
  const rejected = answers.filter((answer) => answer?.status === 'rejected')
  if (rejected.length >= quorum) {
    const code = mostCommon(rejected.flatMap((answer) => answer?.reason ?? []))
    return {
      stage: 'rejected',
      ...(code === undefined ? {} : { reason: reasonCode(code) }),
      ...agreedBatch(rejected),
      refusedBy: undefined,
    }
  }
  if (applied.length >= quorum) {
    return { stage: 'applied', appliedBy: applied.length, ...agreedBatch(applied) }
  }
  if (applied.length + rejected.length === 0) return undefined
  return {
    stage: 'finalized',
    appliedBy: applied.length,
    ...agreedBatch([...applied, ...rejected]),
  }
}

/**
 * The batch most of `answers` name, and the time most of those naming it give (every replica
 * gives a batch the same time, quorum-signed by Zellular): a lying replica among them cannot
 * set either.
 */
function agreedBatch(
  answers: readonly ReplicaTxAnswer[],
): Pick<TrackedRequest, 'batchIndex' | 'batchTime'> {
  const batchIndex = mostCommon(answers.flatMap((answer) => answer?.batchIndex ?? []))
  if (batchIndex === undefined) return {}
  const inBatch = answers.filter((answer) => answer?.batchIndex === batchIndex)
  const batchTime = mostCommon(inBatch.flatMap((answer) => answer?.time ?? []))
  return batchTime === undefined ? { batchIndex } : { batchIndex, batchTime }
}

/** The value most of `values` are, the first among equals; undefined when there are none. */
function mostCommon<value>(values: readonly value[]): value | undefined {
  const counts = new Map<value, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
}
