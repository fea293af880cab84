import { hexToBytes } from 'viem'
import { ok, reject, type Result } from './result.ts'

/** Order of the secp256k1 group: r and s must lie in [1, n - 1]. */
export const secp256k1Order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/**
 * A signature ready for public-key recovery: r and s as 64 big-endian bytes with s always in the
 * lower half of the group order, and the recovery bit (0 or 1) that goes with that s.
 */
export interface RecoverableSignature {
  readonly compact: Uint8Array
  readonly recoveryBit: 0 | 1
}

const signaturePattern = /^(?:0x)?([0-9a-fA-F]{64})([0-9a-fA-F]{64})([0-9a-fA-F]{2})$/

/**
 * Parses a 65-byte `r || s || v` hex signature, with or without `0x`, as wallets produce it for
 * `personal_sign`. It accepts v = 27/28 (MetaMask, viem) and v = 0/1 (some libraries), and it
 * replaces a high s by n - s and flips the recovery bit: both spellings are the same signature
 * of the same signer, so all of them recover the same address.
 */
export function parseRecoverableSignature(
  signature: string,
): Result<RecoverableSignature, 'invalid_signature'> {
  const match = signaturePattern.exec(signature)
  if (match === null) return reject('invalid_signature')
  const [, rHex = '', sHex = '', vHex = ''] = match
  const v = Number.parseInt(vHex, 16)
  const bit = v >= 27 ? v - 27 : v
  if (bit !== 0 && bit !== 1) return reject('invalid_signature')
  const r = BigInt(`0x${rHex}`)
  let s = BigInt(`0x${sHex}`)
  if (r === 0n || r >= secp256k1Order || s === 0n || s >= secp256k1Order) {
    return reject('invalid_signature')
  }
  const isHighS = s > secp256k1Order >> 1n
  if (isHighS) s = secp256k1Order - s
  const compact = hexToBytes(`0x${rHex}${s.toString(16).padStart(64, '0')}`)
  const recoveryBit = isHighS ? ((bit ^ 1) as 0 | 1) : bit
  return ok({ compact, recoveryBit })
}
