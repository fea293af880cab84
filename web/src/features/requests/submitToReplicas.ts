import type { SubmitIntentResponse } from '../../../../shared/api/index.ts'
import { ReplicaRequestError, type ReplicaRef } from '../../lib/replicaClient.ts'
import type { RequestReason } from './requestReason.ts'
import { stageAfterFailedSubmit, type SubmitFailure } from './requestsState.ts'

interface SubmitToReplicasParameters {
  /** The replicas to try, in order (the primary first). */
  readonly replicas: readonly ReplicaRef[]
  /** The registry's quorum: how many refusals reject the request. */
  readonly quorum: number
  /** Posts the signed intent to one replica (`replicaApi.submit`). */
  readonly send: (replica: ReplicaRef) => Promise<SubmitIntentResponse>
}

type SubmitToReplicasReturnType =
  | {
      /** `unknown`: the replica's send to Zellular may have delivered it; it keeps sending. */
      readonly stage: 'submitted' | 'unknown'
      readonly replicaId: string
      readonly intentId: string
    }
  | {
      readonly stage: 'unknown' | 'rejected' | 'failed'
      readonly reason: RequestReason
      readonly refusedBy?: number
    }

/**
 * Posts one signed intent to the replicas in turn until one takes it, a quorum refused it, or
 * every replica was tried (`stageAfterFailedSubmit` then says where it stands). Any failure
 * moves on to the next replica, a refusal too: one replica's refusal is its word alone (a liar
 * can post the intent to Zellular and refuse it), and the same signed intent applies at most
 * once however many replicas send it. Only an error before anything was sent (not a
 * `ReplicaRequestError`) stops at once, since every replica would meet it.
 */
export async function submitToReplicas(
  parameters: SubmitToReplicasParameters,
): Promise<SubmitToReplicasReturnType> {
  const { replicas, quorum, send } = parameters
  const failures: SubmitFailure[] = []
  for (const replica of replicas) {
    try {
      const answer = await send(replica)
      const stage = answer.status === 'unknown' ? 'unknown' : 'submitted'
      return { stage, replicaId: replica.id, intentId: answer.intentId }
    } catch (error) {
      if (!(error instanceof ReplicaRequestError)) {
        failures.push({ kind: 'other', message: String(error) })
        break
      }
      failures.push({ kind: error.kind, code: error.code, message: error.message })
      // A quorum refused: the others cannot make it anything but rejected.
      if (stageAfterFailedSubmit(failures, quorum).stage === 'rejected') break
    }
  }
  return stageAfterFailedSubmit(failures, quorum)
}
