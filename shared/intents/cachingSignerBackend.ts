import { bytesToHex } from 'viem'
import { RecentResults } from '../memo/index.ts'
import type { RecoverableSignature } from './signature.ts'
import { defaultSignerBackend, type SignerBackend } from './signerBackend.ts'

/**
 * A backend that remembers its last `capacity` recoveries. Recovery is a pure function of the
 * message hash and the signature, so a remembered answer is the answer. A replica verifies each
 * intent it accepts over HTTP, then again when the intent comes back in a finalized batch; with
 * one shared cache the second check is a lookup. Intents from other replicas still get the full
 * recovery: nothing is trusted that this process did not compute itself.
 */
export function createCachingSignerBackend(
  inner: SignerBackend = defaultSignerBackend,
  capacity = 65_536,
): SignerBackend & { readonly hits: () => number } {
  const recoveries = new RecentResults<string, Uint8Array | undefined>(capacity)
  return {
    name: inner.name,
    hits: () => recoveries.hits,
    recoverPublicKey(hash: Uint8Array, signature: RecoverableSignature) {
      const key = `${bytesToHex(hash)}${bytesToHex(signature.compact)}${signature.recoveryBit}`
      return recoveries.getOrCompute(key, () => inner.recoverPublicKey(hash, signature))
    },
  }
}
