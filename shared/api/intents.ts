import { z } from 'zod'
import { stableReasonCodes, wireIntentSchema } from '../intents/index.ts'

/** A 32-byte hash as `0x` + 64 lower-case hex digits (intent ids, order ids, state hashes). */
export const hash32Schema = z.string().regex(/^0x[0-9a-f]{64}$/)

/** An integer amount in token base units as a decimal string (no sign, no leading zeros). */
export const baseUnitsSchema = z.string().regex(/^(?:0|[1-9][0-9]*)$/)

/**
 * Why an intent was refused or an order left the book: one of the stable codes of
 * `shared/intents` (`stableReasonCodes`), e.g. `insufficient_available`, `ioc_remainder`.
 */
export const reasonCodeSchema = z.enum(stableReasonCodes)

/** A canonical address: `0x` + 40 lower-case hex digits. */
export const canonicalAddressSchema = z.string().regex(/^0x[0-9a-f]{40}$/)

/**
 * A batch's deterministic time: ms since the Unix epoch, the later of the previous batch's time
 * and the quorum-signed timestamp of the Zellular finalization that released it (never a
 * replica's clock). Equal on every replica; it never goes back. Nonces are checked against it.
 */
export const batchTimeSchema = z.number().int().nonnegative()

/** The five intent actions. */
export const intentActionSchema = z.enum(['transfer', 'mint', 'order', 'cancel', 'cancelAll'])

/**
 * Body of `POST /transfer`, `POST /mint`, `POST /order` and `POST /cancel`: the signed intent in
 * wire form (`wireIntentSchema` of `shared/intents`: all fields as strings, `version: 1`, and the
 * 65-byte `signature`). Each route accepts only its actions: /transfer `transfer`, /mint `mint`,
 * /order `order`, /cancel `cancel` and `cancelAll`.
 */
export const submitIntentRequestSchema = wireIntentSchema

/** A signed wire intent; see `submitIntentRequestSchema`. */
export type SubmitIntentRequest = z.infer<typeof submitIntentRequestSchema>

/**
 * `202` answer of the submit routes: the intent passed every check and is on its way to
 * Zellular. Its outcome arrives later as a receipt (`GET /tx/:id`, SSE `receipt`). The id is
 * `intentId(app, network, signer, nonce)` of `shared/intents`, so a client knows it (and the
 * order id of an order) before submitting.
 *
 * - `pending`: a Zellular node took its batch.
 * - `unknown`: the send failed in a way that may still have delivered the batch (delivery is at
 *   least once). The replica keeps the intent pending and sends it again; it may yet apply, so
 *   a client keeps watching the id (`GET /tx/:id` on every replica, SSE receipts) and must not
 *   sign the same action again with a new nonce, which could apply both. Resubmitting the same
 *   signed intent is safe (409 `replay` here; applied at most once anywhere).
 */
export const submitIntentResponseSchema = z.object({
  intentId: hash32Schema,
  status: z.enum(['pending', 'unknown']),
})

export type SubmitIntentResponse = z.infer<typeof submitIntentResponseSchema>

/** Where an intent stands: submitted and not applied yet, applied, or rejected by the state. */
export const intentStatusSchema = z.enum(['pending', 'applied', 'rejected'])

export type IntentStatus = z.infer<typeof intentStatusSchema>

/**
 * `GET /tx/:id`. `reason` is set for `rejected` (a ledger, orderbook or intent reject reason,
 * e.g. `insufficient_available`, `post_only_would_cross`); `batchIndex` once sequenced and
 * applied. `pending` is only known to the replica that took the submission; other replicas
 * answer 404 `unknown_intent` until they apply it.
 */
export const txResponseSchema = z.object({
  intentId: hash32Schema,
  status: intentStatusSchema,
  action: intentActionSchema,
  signer: canonicalAddressSchema,
  reason: reasonCodeSchema.optional(),
  batchIndex: z.number().int().positive().optional(),
  /**
   * The time of the batch that applied or rejected it (`batchTimeSchema`); absent while pending
   * and for batches applied before the replica kept times.
   */
  time: batchTimeSchema.optional(),
})

export type TxResponse = z.infer<typeof txResponseSchema>
