import type { z } from 'zod'
import { parseAddress } from './address.ts'
import { parseAmount } from './amount.ts'
import {
  intentVersion,
  maxNonce,
  type Intent,
  type IntentHeader,
  type IntentId,
  type IntentSignature,
  type SignedIntent,
} from './intent.ts'
import { isIntentRejectReason, type IntentRejectReason } from './rejectReasons.ts'
import { ok, reject, type Rejection, type Result } from './result.ts'
import { intentFieldsSchema, wireIntentSchema, type IntentFields } from './schemas.ts'
import { parseMarket, parseToken, type TokenRegistry } from './tokens.ts'

/** What `parseIntent` returns: the canonical signed intent, or why it was refused. */
export type ParseIntentReturnType = Result<SignedIntent, IntentRejectReason>

/** What `parseUnsignedIntent` returns: the canonical intent, or why it was refused. */
export type ParseUnsignedIntentReturnType = Result<Intent, IntentRejectReason>

type IntentResult = Result<Intent, IntentRejectReason>

/**
 * Parses a signed intent in wire form (`{ ...fields, signature }`, typically straight from
 * `JSON.parse`) into its canonical form: addresses lower-case, amounts in base units, nonce as a
 * bigint. It never throws, whatever the input, because replicas run it on hostile batches; it
 * does not check the signature (see `verifyIntent`).
 *
 * @param json - untrusted input.
 * @param tokens - the token registry, for token names and decimals.
 * @returns the signed intent, or `{ ok: false, reason, field? }`.
 */
export function parseIntent(json: unknown, tokens: TokenRegistry): ParseIntentReturnType {
  try {
    const parsed = wireIntentSchema.safeParse(json)
    if (!parsed.success) return rejectionOfIssue(parsed.error.issues[0], json)
    const { signature, ...fields } = parsed.data
    const intent = resolveIntent(fields, tokens)
    if (!intent.ok) return intent
    const hex = signature.toLowerCase()
    const normalized = (hex.startsWith('0x') ? hex : `0x${hex}`) as IntentSignature
    return ok({ intent: intent.value, signature: normalized })
  } catch {
    // Only exotic objects (throwing getters, proxies) get here; JSON input never does.
    return reject('malformed_intent')
  }
}

/**
 * Parses the wire fields of an intent without a signature: what a web form builds before asking
 * the wallet to sign `buildIntentText` of the result. Same rules and guarantees as `parseIntent`.
 */
export function parseUnsignedIntent(
  json: unknown,
  tokens: TokenRegistry,
): ParseUnsignedIntentReturnType {
  try {
    const parsed = intentFieldsSchema.safeParse(json)
    if (!parsed.success) return rejectionOfIssue(parsed.error.issues[0], json)
    return resolveIntent(parsed.data, tokens)
  } catch {
    return reject('malformed_intent')
  }
}

/** Turns the first zod issue into a stable reason; schema messages are reason codes. */
function rejectionOfIssue(
  issue: z.core.$ZodIssue | undefined,
  json: unknown,
): Rejection<IntentRejectReason> {
  if (issue === undefined) return reject('malformed_intent')
  if (issue.code === 'invalid_union') return reject('unknown_action', 'action')
  if (issue.code === 'unrecognized_keys') return reject('unknown_field', issue.keys[0])
  const [key] = issue.path
  if (typeof key !== 'string') return reject('malformed_intent')
  const isMissing = typeof json === 'object' && json !== null && !Object.hasOwn(json, key)
  if (isMissing) return reject('missing_field', key)
  if (issue.code === 'invalid_type') return reject('invalid_field', key)
  return reject(isIntentRejectReason(issue.message) ? issue.message : 'invalid_field', key)
}

/** Applies the rules that need the registry or arithmetic to well-shaped fields. */
function resolveIntent(fields: IntentFields, tokens: TokenRegistry): IntentResult {
  const header = resolveHeader(fields)
  if (!header.ok) return header
  switch (fields.action) {
    case 'transfer':
    case 'mint':
      return resolveTokenMove(fields, header.value, tokens)
    case 'order':
      return resolveOrder(fields, header.value, tokens)
    case 'cancel':
    case 'cancelAll':
      return resolveCancel(fields, header.value, tokens)
  }
}

function resolveHeader(fields: IntentFields): Result<IntentHeader, IntentRejectReason> {
  const signer = parseAddress(fields.signer)
  if (!signer.ok) return reject(signer.reason, 'signer')
  // The schema allows up to 20 digits, which can still exceed uint64.
  const nonce = BigInt(fields.nonce)
  if (nonce > maxNonce) return reject('invalid_nonce', 'nonce')
  const { app, network } = fields
  return ok({ signer: signer.value, nonce, app, network, version: intentVersion })
}

function resolveTokenMove(
  fields: Extract<IntentFields, { action: 'transfer' | 'mint' }>,
  header: IntentHeader,
  tokens: TokenRegistry,
): IntentResult {
  const to = parseAddress(fields.to)
  if (!to.ok) return reject(to.reason, 'to')
  const token = parseToken(tokens, fields.token)
  if (!token.ok) return reject(token.reason, 'token')
  const { decimals } = token.value
  const units = parseAmount(fields.amount, decimals)
  if (!units.ok) return reject(units.reason, 'amount')
  const amount = { units: units.value, decimals }
  return ok({ ...header, action: fields.action, to: to.value, token: token.value.symbol, amount })
}

function resolveOrder(
  fields: Extract<IntentFields, { action: 'order' }>,
  header: IntentHeader,
  tokens: TokenRegistry,
): IntentResult {
  const parsed = parseMarket(tokens, fields.market)
  if (!parsed.ok) return reject(parsed.reason, 'market')
  const { market, base, quote } = parsed.value
  // A market order that rests or only posts would be a limit order under another name.
  if (fields.type === 'market' && fields.timeInForce !== 'IOC') {
    return reject('market_order_requires_ioc', 'timeInForce')
  }
  const price = parseAmount(fields.price, quote.decimals)
  if (!price.ok) return reject(price.reason, 'price')
  const quantity = parseAmount(fields.quantity, base.decimals)
  if (!quantity.ok) return reject(quantity.reason, 'quantity')
  return ok({
    ...header,
    action: 'order',
    market,
    side: fields.side,
    type: fields.type,
    price: { units: price.value, decimals: quote.decimals },
    quantity: { units: quantity.value, decimals: base.decimals },
    timeInForce: fields.timeInForce,
  })
}

function resolveCancel(
  fields: Extract<IntentFields, { action: 'cancel' | 'cancelAll' }>,
  header: IntentHeader,
  tokens: TokenRegistry,
): IntentResult {
  const parsed = parseMarket(tokens, fields.market)
  if (!parsed.ok) return reject(parsed.reason, 'market')
  const { market } = parsed.value
  if (fields.action === 'cancelAll') return ok({ ...header, action: 'cancelAll', market })
  const orderId = fields.orderId.toLowerCase() as IntentId
  return ok({ ...header, action: 'cancel', market, orderId })
}
