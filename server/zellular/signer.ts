import { z } from 'zod'
import { bls, syncPointMessage } from '../../shared/zellular/index.ts'
import type { AppLogs } from './appLogs.ts'
import { unixSeconds } from './clock.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import type { NodeContext } from './nodeContext.ts'

export const signSyncPointSchema = z.object({
  app_name: z.string(),
  state: z.enum(['sequenced', 'locked']),
  index: z.number().int().positive(),
  parent_index: z.number().int().nonnegative(),
  chaining_hash: z.string(),
  timestamp: z.number().int().nonnegative(),
})
export type SignSyncPointRequest = z.output<typeof signSyncPointSchema>

const CLOCK_SKEW_SECONDS = 10

/**
 * `POST /node/sign_sync_point`: the node signs a lock (`sequenced`) or finalization (`locked`)
 * point only if it holds that batch with the same chaining hash in at least that state, and the
 * parent is its own last finalized index (zsequencer `node/tasks.py sign_sync_point`).
 */
export function signSyncPoint(context: NodeContext, logs: AppLogs, request: SignSyncPointRequest) {
  const log = logs.get(request.app_name)
  const refuse = (message: string) => new ZsequencerHttpError('InvalidRequestError', message)
  const now = unixSeconds(context.clock)
  if (request.state === 'locked') {
    const skew = Math.abs(request.timestamp - now)
    if (skew >= CLOCK_SKEW_SECONDS) throw refuse('Finalization timestamp is out of range.')
  } else if (request.timestamp !== 0) {
    throw refuse('A lock is signed with timestamp 0.')
  }
  if (log.lastFinalized > 0) {
    const finalized = log.get(log.lastFinalized)
    if (request.state === 'locked' && (finalized?.timestamp ?? 0) > request.timestamp) {
      throw refuse('Finalization timestamp is older than the last finalization.')
    }
    if (request.parent_index !== log.lastFinalized) throw refuse('Wrong parent index.')
  }
  const reached = request.state === 'sequenced' ? log.lastSequenced : log.lastLocked
  const record = log.get(request.index)
  if (!record || request.index > reached || record.chainingHash !== request.chaining_hash) {
    throw refuse('The batch is not in the requested state here.')
  }
  const message = context.hooks.syncPointToSign(syncPointMessage(request))
  return { ...request, signature: bls.formatPoint(bls.sign(context.secretKey, message)) }
}
