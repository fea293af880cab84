import { secp256k1 } from '@noble/curves/secp256k1'
import type { SignerBackend } from './signerBackend.ts'

/**
 * Pure-JS recovery with @noble/curves, the library viem itself uses. Works everywhere, including
 * browsers; about ten times slower than the native addon.
 */
export const nobleSignerBackend: SignerBackend = {
  name: 'noble',
  recoverPublicKey(hash, signature) {
    try {
      const recovered = secp256k1.Signature.fromCompact(signature.compact)
        .addRecoveryBit(signature.recoveryBit)
        .recoverPublicKey(hash)
      return recovered.toRawBytes(false)
    } catch {
      return undefined
    }
  },
}
