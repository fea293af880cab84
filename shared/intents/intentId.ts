import { bytesToHex, stringToBytes } from 'viem'
import type { IntentHeader, IntentId } from './intent.ts'
import { keccak256Bytes } from './keccak.ts'

/** Domain tag of the id hash, so an intent id can never equal any other hash we compute. */
export const intentIdDomain = 'zellular-orderbook/intent-id/v1'

/**
 * The id of an intent: keccak256 of the UTF-8 text
 * `zellular-orderbook/intent-id/v1\n<app>\n<network>\n<signer>\n<nonce>` (canonical lower-case
 * signer, decimal nonce). The parser guarantees that no field contains a line break, so the
 * text is unambiguous, and it fits one keccak block, which matters on the replica's hot path.
 *
 * It leaves out the signature, because ECDSA signatures are malleable (a high-s twin or another
 * v encoding is a different byte string for the same intent), and it leaves out the action, so
 * one (signer, nonce) has one id: deduplication by id and by (signer, nonce) agree, and the
 * client knows the id (and so its order id) before the intent is sequenced.
 */
export function intentId(
  header: Pick<IntentHeader, 'app' | 'network' | 'signer' | 'nonce'>,
): IntentId {
  const { app, network, signer, nonce } = header
  if (/[\r\n]/.test(app + network)) throw new Error('Line break in intent app or network')
  const text = `${intentIdDomain}\n${app}\n${network}\n${signer}\n${nonce}`
  return bytesToHex(keccak256Bytes(stringToBytes(text))) as IntentId
}
