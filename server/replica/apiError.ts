import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { apiErrorStatus, type ErrorResponse } from '../../shared/api/index.ts'
import { isIntentRejectReason } from '../../shared/intents/index.ts'
import { BaseError } from '../../shared/errors/index.ts'

/**
 * An expected failure of a request, answered as `{ error: { code, message, field? } }` with the
 * status that says whose fault it is (see `apiErrorStatus` of `shared/api`). Thrown by routes and
 * turned into JSON by the one error handler; anything else thrown is a 500.
 */
export class ApiError extends BaseError {
  override name = 'ApiError' as const
  readonly status: ContentfulStatusCode

  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message)
    this.status = statusOf(code)
  }

  /** The JSON body of this error. */
  toBody(): ErrorResponse {
    const { code, message, field } = this
    return { error: field === undefined ? { code, message } : { code, message, field } }
  }
}

/** The HTTP status of an error code: the table in `shared/api`, 400 for intent reject reasons. */
export function statusOf(code: string): ContentfulStatusCode {
  if (Object.hasOwn(apiErrorStatus, code)) {
    return apiErrorStatus[code as keyof typeof apiErrorStatus]
  }
  return isIntentRejectReason(code) ? 400 : 500
}

/** Human text for the reject codes a client most often meets; others use the code itself. */
const messages: Record<string, string> = {
  malformed_json: 'the request body is not valid JSON',
  body_too_large: 'the request body is too large',
  replay: 'this (signer, nonce) was already submitted; sign a new intent with a new nonce',
  expired:
    'the nonce is outside the window of 2 days before to 1 day after the batch time; ' +
    'sign again with the current time in milliseconds as nonce',
  insufficient_available: 'the available balance does not cover this intent',
  not_issuer: 'only the faucet (issuer) may mint',
  self_transfer: 'a transfer to yourself changes nothing',
  signer_mismatch: 'the signature was made by another address than `signer`',
  invalid_signature: 'the signature is malformed or recovers no key',
  wrong_app: 'the intent was signed for another app',
  wrong_network: 'the intent was signed for another network',
  unknown_token: 'no such token',
  unknown_market: 'no such market',
  index_ahead: 'that index is not applied yet',
  quorum_not_reached: 'fewer replicas than the quorum signed this balance',
}

/** An `ApiError` for a reject code with a standard message. */
export function rejection(code: string, field?: string, detail?: string): ApiError {
  const message = messages[code] ?? code.replaceAll('_', ' ')
  return new ApiError(code, detail === undefined ? message : `${message}: ${detail}`, field)
}
