/**
 * Every reason an intent can be refused by this module, as stable codes that name the broken
 * fact. They are stored in receipts and shown to clients, so they are never renamed once
 * shipped; new reasons are appended. When an intent breaks several rules, one deterministic
 * reason is reported: first the structure (object, action), then the format of each field in
 * wire order (action, signer, nonce, app, network, version, action fields, signature), then
 * unknown keys, then the rules that need the registry or arithmetic, again in wire order.
 */
export const intentRejectReasons = [
  // Structure.
  'malformed_intent', // not a JSON object, or input that could not even be read
  'unknown_action', // `action` missing or not one of the five kinds
  'missing_field',
  'invalid_field', // wrong JSON type, e.g. a number where a decimal string is expected
  'unknown_field', // strict objects: extra keys are refused rather than silently dropped
  // Header.
  'invalid_address',
  'address_checksum_mismatch',
  'invalid_nonce', // not a canonical decimal uint64
  'invalid_app',
  'invalid_network',
  'unsupported_version',
  // Action fields.
  'invalid_token',
  'unknown_token',
  'invalid_market',
  'market_tokens_equal',
  'invalid_side',
  'invalid_order_type',
  'invalid_time_in_force',
  'market_order_requires_ioc',
  'invalid_amount', // not a plain decimal: sign, exponent, whitespace, leading zero...
  'amount_not_positive',
  'amount_too_precise', // more fractional digits than the token has
  'amount_too_large', // beyond uint128 base units
  'invalid_order_id',
  'invalid_signature', // not 65 bytes of hex, bad r/s/v, or no public key recovers from it
  // Verification (see `verifyIntent`).
  'wrong_app',
  'wrong_network',
  'signer_mismatch', // the signature is valid but for another address
  // Time: nonces are millisecond times, and one outside (T − 2 days, T + 1 day) of the
  // deterministic time T of the batch that applies it is refused (checked by the ledger's
  // nonce window, `shared/ledger/nonceWindow.ts`, and by the replica's pre-check).
  'expired',
] as const

/** A stable code saying why an intent was refused before reaching the ledger or orderbook. */
export type IntentRejectReason = (typeof intentRejectReasons)[number]

const reasonSet: ReadonlySet<string> = new Set(intentRejectReasons)

/** True when `text` is one of the `IntentRejectReason` codes. */
export function isIntentRejectReason(text: string): text is IntentRejectReason {
  return reasonSet.has(text)
}

/**
 * Every stable code a receipt, an order update or a pre-check refusal can carry: the intent
 * reasons above, then the ledger's (`shared/ledger/applyIntent.ts`), the orderbook's
 * (`shared/orderbook/types.ts`, `toOrderUnits.ts`), the exchange's (`no_open_orders`, and the
 * pre-check's `replay`), and why an order left the book. The closed set the API schemas parse
 * with and the web app has a sentence for; each module's own union must stay inside it (the
 * exchange's receipts are typed with it, so a code missing here fails the type check). Like the
 * intent reasons, codes are never renamed; new ones are appended.
 */
export const stableReasonCodes = [
  ...intentRejectReasons,
  // Ledger.
  'nonce_already_used',
  'nonce_too_low',
  'not_issuer',
  'self_transfer',
  'insufficient_available',
  'supply_cap_exceeded',
  // Orderbook and the exchange.
  'unknown_market',
  'invalid_owner',
  'invalid_price',
  'invalid_quantity',
  'price_not_on_tick',
  'quantity_not_on_lot',
  'below_min_size',
  'above_max_size',
  'duplicate_order_id',
  'post_only_would_cross',
  'no_liquidity',
  'insufficient_balance',
  'unknown_order',
  'not_owner',
  'no_open_orders',
  'replay',
  // Why an order left the book.
  'user_cancelled',
  'cancel_all',
  'self_trade_prevention',
  'ioc_remainder',
  'level_size_overflow',
] as const

/** A stable code of a refused intent or of an order that left the book; see `stableReasonCodes`. */
export type StableReasonCode = (typeof stableReasonCodes)[number]

const stableReasonSet: ReadonlySet<string> = new Set(stableReasonCodes)

/** True when `text` is one of the `StableReasonCode`s. */
export function isStableReasonCode(text: string): text is StableReasonCode {
  return stableReasonSet.has(text)
}
