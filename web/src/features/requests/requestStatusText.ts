import { describeRequestReason } from './requestReason.ts'
import type { TrackedRequest } from './requestsState.ts'

/** Why a request that may still move shows no more progress (`TrackedRequest.unwatched`). */
const unwatchedNote = 'no longer checked (too many requests open)'

/** One sentence for where the request stands now. */
export function requestStatusText(request: TrackedRequest): string {
  const unwatched = request.unwatched === true
  switch (request.stage) {
    case 'wallet':
      return 'Waiting for wallet — confirm the signature in MetaMask'
    case 'submitting':
      return 'Signed — submitting to a replica…'
    case 'submitted':
      return `Submitted to ${request.replicaId ?? 'a replica'} — ${unwatched ? unwatchedNote : 'waiting for Zellular to finalize'}`
    case 'unknown':
      return `Not confirmed ${unwatched ? `— ${unwatchedNote}` : 'yet — still watching'}. It may still apply: do not sign it again`
    case 'finalized':
      return `Finalized by Zellular${request.batchIndex === undefined ? '' : ` in batch #${request.batchIndex}`} — ${unwatched ? unwatchedNote : 'replicas applying'}`
    case 'applied':
      return `Applied${request.batchIndex === undefined ? '' : ` in batch #${request.batchIndex}`}${request.appliedBy === undefined ? '' : ` by ${request.appliedBy} replicas`}`
    case 'declined':
      return 'Declined in wallet — nothing was signed'
    case 'cancelled':
      return 'Cancelled: the wallet account changed before signing finished — nothing was sent'
    case 'rejected':
      return `Rejected: ${request.reason ? describeRequestReason(request.reason) : 'Rejected'}`
    case 'failed':
      return `Failed: ${request.reason ? describeRequestReason(request.reason) : 'unknown error'}`
  }
}
