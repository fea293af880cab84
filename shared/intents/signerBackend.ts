import { bytesToHex } from 'viem'
import type { Address } from './address.ts'
import { keccak256Bytes } from './keccak.ts'
import { nativeSignerBackend } from './nativeSignerBackend.ts'
import { nobleSignerBackend } from './nobleSignerBackend.ts'
import type { RecoverableSignature } from './signature.ts'

/**
 * One implementation of secp256k1 public-key recovery. Two exist (native libsecp256k1 and pure
 * JS noble) and must agree on every input; `signerBackend.test.ts` checks that they do.
 */
export interface SignerBackend {
  readonly name: 'native' | 'noble'
  /**
   * Recovers the 65-byte uncompressed public key that signed the 32-byte `hash`, or returns
   * undefined when no key does. Never throws.
   */
  recoverPublicKey(hash: Uint8Array, signature: RecoverableSignature): Uint8Array | undefined
}

/**
 * The backend used when none is passed: native when the `secp256k1` addon loads (Node, about
 * 25k recoveries per second), otherwise noble (browsers, or a missing prebuilt binary).
 */
export const defaultSignerBackend: SignerBackend = nativeSignerBackend ?? nobleSignerBackend

/** Ethereum address of an uncompressed public key: the last 20 bytes of keccak256(x || y). */
export function publicKeyToAddress(publicKey: Uint8Array): Address {
  const hash = keccak256Bytes(publicKey.subarray(1))
  return bytesToHex(hash.subarray(12)) as Address
}
