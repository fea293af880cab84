import { encodeAbiParameters, keccak256 } from 'viem'
import type { IntentHeader, IntentId } from './intent.ts'

/** Domain tag of the id hash, so an intent id can never equal any other hash we compute. */
export const intentIdDomain = 'zellular-orderbook/intent-id/v1'

const idParameters = [
  { type: 'string' },
  { type: 'string' },
  { type: 'string' },
  { type: 'address' },
  { type: 'uint64' },
] as const

/**
 * The id of an intent: `keccak256(abi.encode(domain, app, network, signer, nonce))`.
 * It leaves out the signature, because ECDSA signatures are malleable (a high-s twin or another
 * v encoding is a different byte string for the same intent), and it leaves out the action, so
 * one (signer, nonce) has one id: deduplication by id and by (signer, nonce) agree, and the
 * client knows the id (and so its order id) before the intent is sequenced.
 */
export function intentId(
  header: Pick<IntentHeader, 'app' | 'network' | 'signer' | 'nonce'>,
): IntentId {
  const { app, network, signer, nonce } = header
  const encoded = encodeAbiParameters(idParameters, [intentIdDomain, app, network, signer, nonce])
  return keccak256(encoded) as IntentId
}
