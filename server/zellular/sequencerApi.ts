import { z } from 'zod'
import { ZsequencerHttpError } from './httpErrors.ts'
import { finalizationProofOf, lockProofOf, type ZellularNode } from './node.ts'
import { sizeKb } from './rateLimiter.ts'

export const sequencerPutSchema = z.object({
  app_name: z.string(),
  batches: z.array(z.string()),
  sequenced_index: z.number().int().nonnegative(),
  sequenced_chaining_hash: z.string(),
  locked_index: z.number().int().nonnegative(),
  locked_chaining_hash: z.string(),
  finalized_index: z.number().int().nonnegative().default(0),
  timestamp: z.number().optional(),
})
export type SequencerPutRequest = z.output<typeof sequencerPutSchema>

/**
 * `PUT /sequencer/batches`: sequence a node's queued batches, record how far the node is, and
 * answer with every batch it lacks plus the finalization proofs it has not applied
 * (zsequencer `sequencer/routers.py`, §7.11).
 */
export function handleSequencerPut(
  node: ZellularNode,
  signer: string,
  request: SequencerPutRequest,
) {
  const kb = request.batches.reduce((sum, body) => sum + sizeKb(body), 0)
  if (!node.receiveLimiter.tryCharge(signer, kb)) {
    throw new ZsequencerHttpError('BatchesLimitExceededError')
  }
  if (request.batches.some((body) => sizeKb(body) > node.config.maxBatchSizeKb)) {
    throw new ZsequencerHttpError('BatchSizeExceededError')
  }
  if (!node.network.operator(signer)?.roles.includes('posting')) {
    throw new ZsequencerHttpError('IsNotPostingNodeError')
  }
  const log = node.appLog(request.app_name)
  node.sequence(request.app_name, node.hooks.filterFrom(signer, request.batches))

  const records = log.range(request.sequenced_index, 'sequenced', node.pageCapBytes)
  node.reports.get(request.app_name)!.set(signer, {
    sequencedIndex: request.sequenced_index,
    sequencedChainingHash: request.sequenced_chaining_hash,
    lockedIndex: request.locked_index,
    lockedChainingHash: request.locked_chaining_hash,
    finalizedIndex: request.finalized_index,
    updatedAt: Date.now(),
  })
  node.onReport?.()
  const lastReturned = records.at(-1)?.index ?? log.lastFinalized
  const proofs = log
    .finalizationProofsBetween(request.finalized_index, lastReturned)
    .map(finalizationProofOf)
  const locked = log.get(log.lastLocked)
  return {
    batches: node.hooks.equivocate(
      signer,
      request.sequenced_index,
      records.map((record) => record.body),
    ),
    last_finalized_index: log.lastFinalized,
    finalized_signatures: proofs,
    last_locked_signature: locked?.lockedSignature ? lockProofOf(locked) : null,
  }
}
