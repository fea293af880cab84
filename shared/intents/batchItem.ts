import { hexToBytes } from 'viem'
import { base64urlToHex, bytesToBase64url } from './base64url.ts'
import { intentVersion, type IntentAction, type SignedIntent } from './intent.ts'
import { parseIntent, type ParseIntentReturnType } from './parseIntent.ts'
import { reject } from './result.ts'
import type { TokenRegistry } from './tokens.ts'
import { toWireIntent } from './toWireIntent.ts'
import type { IntentDomain } from './verifyIntent.ts'

/*
 * How an intent travels in a Zellular batch (a JSON array of items). Two forms are read:
 *
 * - the wire object clients POST (`{"action":"transfer","signer":"0x…",…,"signature":"0x…"}`);
 * - the compact form replicas write: a JSON array of strings, the action then the fields in a
 *   fixed order, with the app, network and version left out (they are the batch's: every replica
 *   of one service has the same domain, and the signature covers them, so an intent signed for
 *   another domain still fails to verify) and the addresses, order id and signature in unpadded
 *   base64url. A transfer or an order is ~190 bytes instead of ~390, so a 5 KB batch holds twice
 *   as many.
 *
 * Either way the item becomes the wire object and `parseIntent` applies the one set of rules,
 * and the signed text is rebuilt from the fields, as for a POST.
 */

/** The forms replicas may write intents into batches in: `compact` (default) or the wire `json`. */
export const batchItemEncodings = ['compact', 'json'] as const

/** The form replicas write intents into batches in (`batchItemEncodings`). */
export type BatchItemEncoding = (typeof batchItemEncodings)[number]

/** Fields of the compact form after the action, in order. */
const compactLayouts: Record<IntentAction, readonly string[]> = {
  transfer: ['signer', 'nonce', 'to', 'token', 'amount', 'signature'],
  mint: ['signer', 'nonce', 'to', 'token', 'amount', 'signature'],
  order: [
    'signer',
    'nonce',
    'market',
    'side',
    'type',
    'price',
    'quantity',
    'timeInForce',
    'signature',
  ],
  cancel: ['signer', 'nonce', 'market', 'orderId', 'signature'],
  cancelAll: ['signer', 'nonce', 'market', 'signature'],
}

/** The binary fields of the compact form and their sizes in bytes. */
const binaryFieldBytes: Readonly<Record<string, number>> = {
  signer: 20,
  to: 20,
  orderId: 32,
  signature: 65,
}

/**
 * The batch item of a signed intent in `encoding`, serialized: what a replica puts into a
 * Zellular batch and keeps to send again.
 */
export function toBatchItem(signed: SignedIntent, encoding: BatchItemEncoding): string {
  const wire = toWireIntent(signed) as unknown as Readonly<Record<string, string>>
  if (encoding === 'json') return JSON.stringify(wire)
  const { action } = signed.intent
  const fields = compactLayouts[action].map((name) => {
    const value = wire[name]!
    return binaryFieldBytes[name] === undefined
      ? value
      : bytesToBase64url(hexToBytes(value as `0x${string}`))
  })
  return JSON.stringify([action, ...fields])
}

/**
 * Parses one item of a batch body (already `JSON.parse`d), in either form, for `domain`. Never
 * throws, whatever the input: replicas run it on hostile batches. Does not check the signature.
 */
export function parseBatchItem(
  item: unknown,
  tokens: TokenRegistry,
  domain: IntentDomain,
): ParseIntentReturnType {
  if (!Array.isArray(item)) return parseIntent(item, tokens)
  const [action, ...values] = item as unknown[]
  if (typeof action !== 'string' || !Object.hasOwn(compactLayouts, action)) {
    return reject('unknown_action', 'action')
  }
  const layout = compactLayouts[action as IntentAction]
  if (values.length !== layout.length || !values.every((value) => typeof value === 'string')) {
    return reject('malformed_intent')
  }
  const wire: Record<string, unknown> = {
    action,
    app: domain.app,
    network: domain.network,
    version: intentVersion,
  }
  layout.forEach((name, index) => {
    const value = values[index] as string
    const bytes = binaryFieldBytes[name]
    if (bytes === undefined) {
      wire[name] = value
      return
    }
    // Empty fails the field's own format check, so the reason names the field, as for JSON.
    wire[name] = base64urlToHex(value, bytes) ?? ''
  })
  return parseIntent(wire, tokens)
}
