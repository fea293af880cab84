import type { StableReasonCode } from '../../../shared/intents/index.ts'

/**
 * A sentence for each stable code (the closed set of `shared/intents`, which the API schemas
 * parse with), for the person who signed: a code added to `shared/` without a text here fails
 * the type check.
 */
const reasonText: Record<StableReasonCode, string> = {
  // Structure and fields of the signed intent (the app builds these, so they mean a bug or an
  // old app version).
  malformed_intent: 'The signed request could not be read',
  unknown_action: 'The request is of a kind the replicas do not know',
  missing_field: 'The signed request lacks a field',
  invalid_field: 'A field of the signed request has the wrong type',
  unknown_field: 'The signed request has a field the replicas do not know',
  invalid_address: 'The address is not valid',
  address_checksum_mismatch: 'The address checksum does not match (mistyped address?)',
  invalid_nonce: 'The request number (nonce) is not valid',
  invalid_app: 'The request names another app',
  invalid_network: 'The request names an unknown network',
  unsupported_version: 'The request uses a version the replicas do not support',
  invalid_token: 'The token name is not valid',
  unknown_token: 'This token is not listed',
  invalid_market: 'The market name is not valid',
  market_tokens_equal: 'A market needs two different tokens',
  invalid_side: 'The order side is not buy or sell',
  invalid_order_type: 'The order type is not valid',
  invalid_time_in_force: 'The time in force is not valid',
  market_order_requires_ioc: 'A market order must be immediate-or-cancel',
  invalid_amount: 'The amount is not a plain decimal number',
  amount_not_positive: 'The amount must be more than zero',
  amount_too_precise: 'The amount has more decimals than the token',
  amount_too_large: 'The amount is too large',
  invalid_order_id: 'The order id is not valid',
  invalid_signature: 'The signature is not valid',
  wrong_app: 'The signature is for another app',
  wrong_network: 'The signature is for another network',
  signer_mismatch: 'The signature is from another account',
  expired: 'The request is too old or too far ahead of the network time; sign it again',
  // Ledger.
  nonce_already_used: 'This signed request was already used (replay)',
  nonce_too_low: 'This signed request is older than the ones the network keeps; sign it again',
  not_issuer: 'Only the token issuer can mint',
  self_transfer: 'Cannot transfer to yourself',
  insufficient_available: 'Insufficient available balance',
  supply_cap_exceeded: 'The mint would exceed the token supply cap',
  // Orderbook.
  unknown_market: 'This market is not listed',
  invalid_owner: 'The order owner is not valid',
  invalid_price: 'The price is out of range',
  invalid_quantity: 'The amount is out of range',
  price_not_on_tick: 'Price is not on the tick grid',
  quantity_not_on_lot: 'Quantity is not a multiple of the lot size',
  below_min_size: 'Quantity is below the minimum order size',
  above_max_size: 'Quantity is above the maximum order size',
  duplicate_order_id: 'An open order already has this id',
  post_only_would_cross: 'Post-only order would cross the book',
  no_liquidity: 'No liquidity to match against',
  insufficient_balance: 'Insufficient balance',
  unknown_order: 'Order is no longer open',
  not_owner: 'Not your order',
  no_open_orders: 'No open orders to cancel',
  replay: 'This signed request was already submitted (replay)',
  // Why an order left the book.
  user_cancelled: 'Cancelled by you',
  cancel_all: 'Cancelled by cancel all',
  self_trade_prevention: 'Cancelled: your own order on the other side would have traded with it',
  ioc_remainder: 'The unfilled rest of an immediate-or-cancel order',
  level_size_overflow: 'Cancelled: the price level is full',
}

/** Codes a replica answers a submission with (not receipts), as sentences. */
const submitErrorText: Record<string, string> = {
  sequencer_unavailable: 'No Zellular node accepted the batch',
  overloaded: 'Replica is overloaded, try again',
  rate_limited: 'Too many requests, try again shortly',
  storage_unavailable: 'The replica cannot store the request now, try another',
}

/** The sentence for a stable reject, cancel or replay code (every code has one). */
export function describeReason(code: StableReasonCode): string {
  return reasonText[code]
}

/**
 * A sentence for any code a replica answers with: a stable code, a submission error, or else
 * its words ("some_new_code" → "Some new code"), so a newer replica's code still reads.
 */
export function describeErrorCode(code: string): string {
  if (Object.hasOwn(reasonText, code)) return reasonText[code as StableReasonCode]
  if (Object.hasOwn(submitErrorText, code)) return submitErrorText[code]!
  const words = code.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}
