import type { StableReasonCode } from '../../../../shared/intents/index.ts'
import { isStableReasonCode } from '../../../../shared/intents/index.ts'
import { describeErrorCode, describeReason } from '../../lib/rejectReasonText.ts'

/**
 * Why a request stopped short of applied, or is not confirmed yet. A stable reject code (a
 * quorum's receipts, or a replica's refusal before sequencing) is kept as the code, typed with
 * the shared set, and shown through the sentence table; everything else (the wallet's refusal, a
 * transport error, a replica's error answer that is no reject code) is text for people and is
 * shown as it is. Two variants, so prose can never be read as a code, nor a code shown raw.
 */
export type RequestReason =
  | { readonly kind: 'code'; readonly code: StableReasonCode }
  | { readonly kind: 'text'; readonly text: string }

/** A stable reject code as a request's reason. */
export function reasonCode(code: StableReasonCode): RequestReason {
  return { kind: 'code', code }
}

/** Text for people (a wallet or transport error) as a request's reason. */
export function reasonText(text: string): RequestReason {
  return { kind: 'text', text }
}

/**
 * The reason of a replica's error answer: its code when that is a stable reject code (e.g.
 * `insufficient_available` from the pre-check, `replay`); the sentence of another API error
 * code (`overloaded`, `rate_limited`...); the message when the answer had no code.
 */
export function replicaErrorReason(code: string | undefined, message: string): RequestReason {
  if (code === undefined) return reasonText(message)
  return isStableReasonCode(code) ? reasonCode(code) : reasonText(describeErrorCode(code))
}

/** The reason as one sentence: a code through the sentence table, text as it is. */
export function describeRequestReason(reason: RequestReason): string {
  return reason.kind === 'code' ? describeReason(reason.code) : reason.text
}
