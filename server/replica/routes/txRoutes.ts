import { Hono } from 'hono'
import type { TxResponse } from '../../../shared/api/index.ts'
import type { IntentAction } from '../../../shared/intents/index.ts'
import { ApiError } from '../apiError.ts'
import { historyPrunedBelow, readReceipt } from '../readQueries.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { storedReasonCode } from '../storedReasonCode.ts'
import type { StoredReceipt } from '../store/replicaStorage.ts'
import { hashIdParam } from './requestParsing.ts'

/**
 * `GET /tx/:id`: the receipt of an applied intent (stored, or, for a rejected intent that left
 * no trace in the state, from the bounded in-memory log of recent ones), `pending` for one
 * submitted here and not yet applied, else 404 `unknown_intent`.
 */
export function txRoutes(deps: ReplicaDeps) {
  return new Hono().get('/tx/:id', async (c) => {
    const id = hashIdParam(c, 'an intent')
    const receipt = await readReceipt(deps.state, id)
    if (receipt !== undefined) return c.json(toTxResponse(receipt))
    const dropped = deps.dropped.get(id)
    if (dropped !== undefined) {
      const { receipt, batchIndex, time } = dropped
      const { intentId, status, action, signer } = receipt
      const answer: TxResponse = { intentId, status, action, signer, batchIndex, time }
      if (receipt.reason !== undefined) answer.reason = receipt.reason
      return c.json(answer)
    }
    const pending = deps.pending.get(id)
    if (pending === undefined) {
      // An intent id says nothing of its batch: a pruned receipt and an unknown id look alike.
      const prunedBelow = historyPrunedBelow(deps.state)
      const pruned = prunedBelow > 0 ? ` (receipts of batches below ${prunedBelow} are pruned)` : ''
      throw new ApiError('unknown_intent', `no intent ${id} seen here${pruned}`)
    }
    const answer: TxResponse = {
      intentId: pending.intentId,
      status: 'pending',
      action: pending.action,
      signer: pending.signer,
    }
    return c.json(answer)
  })
}

/** The `GET /tx/:id` answer of a stored receipt (replica and API processes alike). */
export function toTxResponse(receipt: StoredReceipt): TxResponse {
  const answer: TxResponse = {
    intentId: receipt.intentId,
    status: receipt.status,
    action: receipt.action as IntentAction,
    signer: receipt.signer,
    batchIndex: receipt.batchIndex,
  }
  if (receipt.reason !== null) answer.reason = storedReasonCode(receipt.reason)
  if (receipt.time !== null) answer.time = receipt.time
  return answer
}
