import { z } from 'zod'
import { intentVersion, timeInForces } from './intent.ts'
import { marketSymbolPattern, tokenSymbolPattern } from './tokens.ts'

/*
 * Zod schemas of the wire form of intents: JSON objects whose values are all strings except
 * `version`. They check shape only (formats and lengths); `parseIntent` then applies the rules
 * that need the token registry or arithmetic. Each failure message is a stable reject reason,
 * which `parseIntent` passes on. Objects are strict: an unknown key is rejected, not ignored.
 */

/** App and network names: lower-case DNS-label style, at most 64 characters. */
const domainNamePattern = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/

const addressText = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'invalid_address')
const amountText = z.string().regex(/^(?:0|[1-9][0-9]{0,79})(?:\.[0-9]{1,80})?$/, 'invalid_amount')
const tokenText = z.string().regex(tokenSymbolPattern, 'invalid_token')
const marketText = z.string().regex(marketSymbolPattern, 'invalid_market')

/** The header fields every intent has, in the order they are checked. */
const headerShape = {
  signer: addressText,
  nonce: z.string().regex(/^(?:0|[1-9][0-9]{0,19})$/, 'invalid_nonce'),
  app: z.string().regex(domainNamePattern, 'invalid_app'),
  network: z.string().regex(domainNamePattern, 'invalid_network'),
  version: z.literal(intentVersion, 'unsupported_version'),
}

/** Wire fields of a transfer intent (without the signature). */
export const transferFieldsSchema = z.strictObject({
  action: z.literal('transfer'),
  ...headerShape,
  to: addressText,
  token: tokenText,
  amount: amountText,
})

/** Wire fields of a mint intent (without the signature). */
export const mintFieldsSchema = z.strictObject({
  action: z.literal('mint'),
  ...headerShape,
  to: addressText,
  token: tokenText,
  amount: amountText,
})

/** Wire fields of an order intent (without the signature). */
export const orderFieldsSchema = z.strictObject({
  action: z.literal('order'),
  ...headerShape,
  market: marketText,
  side: z.enum(['buy', 'sell'], 'invalid_side'),
  type: z.enum(['limit', 'market'], 'invalid_order_type'),
  price: amountText,
  quantity: amountText,
  timeInForce: z.enum(timeInForces, 'invalid_time_in_force'),
})

/** Wire fields of a cancel intent (without the signature). */
export const cancelFieldsSchema = z.strictObject({
  action: z.literal('cancel'),
  ...headerShape,
  market: marketText,
  orderId: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'invalid_order_id'),
})

/** Wire fields of a cancel-all intent (without the signature). */
export const cancelAllFieldsSchema = z.strictObject({
  action: z.literal('cancelAll'),
  ...headerShape,
  market: marketText,
})

/** A 65-byte signature as hex, with or without `0x` (MetaMask and Python clients differ). */
export const signatureSchema = z.string().regex(/^(?:0x)?[0-9a-fA-F]{130}$/, 'invalid_signature')

/** Wire fields of any intent, before signing: what a web form produces. */
export const intentFieldsSchema = z.discriminatedUnion('action', [
  transferFieldsSchema,
  mintFieldsSchema,
  orderFieldsSchema,
  cancelFieldsSchema,
  cancelAllFieldsSchema,
])

const signatureShape = { signature: signatureSchema }

/** A signed intent as it travels in HTTP bodies and Zellular batches. */
export const wireIntentSchema = z.discriminatedUnion('action', [
  transferFieldsSchema.extend(signatureShape),
  mintFieldsSchema.extend(signatureShape),
  orderFieldsSchema.extend(signatureShape),
  cancelFieldsSchema.extend(signatureShape),
  cancelAllFieldsSchema.extend(signatureShape),
])

/** Wire fields of an unsigned intent. */
export type IntentFields = z.infer<typeof intentFieldsSchema>

/** A signed intent in wire form. */
export type WireIntent = z.infer<typeof wireIntentSchema>
