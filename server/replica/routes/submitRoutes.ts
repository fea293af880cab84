import { Hono } from 'hono'
import {
  parseIntent,
  toBatchItem,
  verifyIntent,
  type IntentAction,
} from '../../../shared/intents/index.ts'
import { precheckIntent } from '../../../shared/exchange/index.ts'
import type { SubmitIntentResponse } from '../../../shared/api/index.ts'
import { stageNow } from '../../observability/stageClock.ts'
import { ApiError, rejection } from '../apiError.ts'
import type { ClientLimits } from '../middleware/clientLimits.ts'
import { stillWanted } from '../redelivery.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { readJson } from './requestParsing.ts'

/**
 * `POST /transfer`, `/mint`, `/order`, `/cancel`: validate the signed wire intent (zod and the
 * intent rules), rebuild its text and recover the signer, check app and network, refuse a
 * (signer, nonce) already pending or used (409 `replay`) or outside its time window (400
 * `expired`), run the cheap state pre-checks (422), take a place in the submit queue (503
 * `overloaded` when there is none), then record it in the journal (on disk, so that a restarted
 * replica sends it again; 503 `storage_unavailable` if it cannot be), hand it to Zellular in a
 * coalesced batch and answer 202 with its id once a node took it (`pending`), or once a send
 * failed in a way that may still have delivered it (`unknown`: the replica keeps the intent
 * pending and sends it again). Every refusal comes before the journal write, so a refused
 * intent leaves no trace that a restart would send.
 * Each client IP address may submit `submitRatePerSecond` intents per second (burst
 * `submitBurst`) over the four routes together; beyond, 429 `rate_limited` with `Retry-After`.
 */
export function submitRoutes(deps: ReplicaDeps, limits: ClientLimits) {
  const submit = (actions: readonly IntentAction[]) => async (c: import('hono').Context) => {
    const receivedAt = stageNow()
    const json = await readJson(c, deps.options.bodyLimitBytes)
    const response = await submitIntent(deps, json, actions, receivedAt)
    return c.json(response, 202)
  }
  return new Hono()
    .post('/transfer', limits.submit, submit(['transfer']))
    .post('/mint', limits.submit, submit(['mint']))
    .post('/order', limits.submit, submit(['order']))
    .post('/cancel', limits.submit, submit(['cancel', 'cancelAll']))
}

async function submitIntent(
  deps: ReplicaDeps,
  json: unknown,
  actions: readonly IntentAction[],
  /** When the request arrived, for the latency waterfall (`IntentStages`). */
  receivedAt: number,
): Promise<SubmitIntentResponse> {
  const { state, pending } = deps
  const exchange = state.exchange
  const action =
    typeof json === 'object' && json !== null ? (json as { action?: unknown }).action : undefined
  if (typeof action === 'string' && !actions.includes(action as IntentAction)) {
    const expected = actions.join(' or ')
    throw new ApiError('wrong_action', `this route takes ${expected} intents`, 'action')
  }
  const parsed = parseIntent(json, exchange.ledger.tokens)
  if (!parsed.ok) throw rejection(parsed.reason, parsed.field)
  if (!actions.includes(parsed.value.intent.action)) {
    throw new ApiError('wrong_action', `this route takes ${actions.join(' or ')} intents`, 'action')
  }
  // The exchange's backend: it remembers this recovery for when the intent comes back finalized.
  const verified = verifyIntent(parsed.value, exchange.domain, exchange.signerBackend)
  if (!verified.ok) throw rejection(verified.reason, verified.field)
  const intent = verified.value
  if (pending.has(intent.id)) throw rejection('replay', 'nonce')
  const pendingOrders = {
    ids: pending.orderIds(),
    hasOrderFrom: (signer: string) => pending.hasOrderFrom(signer),
  }
  const refused = precheckIntent(exchange, intent, pendingOrders, deps.now())
  if (refused !== undefined) {
    throw rejection(refused, refused === 'replay' || refused === 'expired' ? 'nonce' : undefined)
  }
  if (pending.full) throw new ApiError('overloaded', 'too many intents are waiting to be applied')
  const item = toBatchItem(parsed.value, deps.options.batchEncoding)
  // Refused now or never: a restart sends what the journal holds, so an intent refused after
  // its journal write would still be sent, though its client, told so, may sign it again.
  const place = deps.submitter.reserve(item)
  const submittedAtMs = deps.now()
  pending.add({
    intentId: intent.id,
    action: intent.action,
    signer: intent.signer,
    nonce: intent.nonce,
    submittedAtMs,
    lastSentAtMs: submittedAtMs,
    item,
    redeliveries: 0,
  })
  try {
    await deps.journal.record({ intentId: intent.id, item })
  } catch (error) {
    // Not on disk, so not acknowledged and not sent: a restart would not know to send it again.
    pending.delete(intent.id)
    place.release()
    deps.log(`cannot record intent ${intent.id}: ${error}`)
    throw new ApiError('storage_unavailable', 'the replica could not record the intent on disk')
  }
  // Sent again only while still pending here; its next redelivery waits from each send.
  const outcome = await place.submit({
    resendWanted: stillWanted(deps, intent.id),
    onSent: () => deps.stages.batched(intent.id, receivedAt),
  })
  // `unknown`: the send failed but may have delivered the batch. The intent stays pending (a
  // second submission is a replay) and the replica keeps sending it, so the client watches
  // its id instead of signing again with a new nonce, which could apply both.
  return { intentId: intent.id, status: outcome === 'accepted' ? 'pending' : 'unknown' }
}
