import type { IBls } from '@chainsafe/bls/types'
import { bytesToHex } from './hex.ts'

/**
 * The BLS12-381 backend for balance proofs: `@chainsafe/bls/herumi` (WASM), loaded on first use
 * so the 680 kB chunk stays out of the first paint. Only the calls the quorum verifier needs are
 * exposed, which also lets unit tests pass the same module in Node.
 */
export interface BlsVerifier {
  /** True only for a valid signature of `message` by `publicKey`; false on any bad input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /** True only when `signature` aggregates one valid signature per (key, message) pair. */
  verifyMultiple(publicKeys: Uint8Array[], messages: Uint8Array[], signature: Uint8Array): boolean
  aggregateSignatures(signatures: Uint8Array[]): Uint8Array
}

let loading: Promise<BlsVerifier> | undefined

/** Loads herumi once and wraps it in `createCachingVerifier`; later calls share the promise. */
export function loadBls(): Promise<BlsVerifier> {
  loading ??= import('@chainsafe/bls/herumi').then((module) => createCachingVerifier(module.default))
  return loading
}

/**
 * Wraps herumi so that work is never repeated: public keys (a handful, from the registry) are
 * deserialised and subgroup-checked once, and every check that succeeded is remembered by its
 * exact inputs. The app re-reads the same signed balance every few seconds while nothing
 * changes; those re-reads then cost a lookup instead of pairings. Only successes are cached,
 * keyed by the full key, message and signature bytes, so a cached `true` is a fact.
 */
export function createCachingVerifier(bls: IBls, capacity = 2048): BlsVerifier {
  const publicKeys = new Map<string, ReturnType<IBls['PublicKey']['fromBytes']>>()
  const verified = new Map<string, true>()
  const aggregates = new Map<string, Uint8Array>()
  const publicKeyOf = (bytes: Uint8Array) => {
    const key = bytesToHex(bytes)
    let parsed = publicKeys.get(key)
    if (parsed === undefined) {
      parsed = bls.PublicKey.fromBytes(bytes)
      if (publicKeys.size < 64) publicKeys.set(key, parsed)
    }
    return parsed
  }
  const remember = (key: string) => {
    if (verified.size >= capacity) verified.delete(verified.keys().next().value!)
    verified.set(key, true)
  }
  return {
    verify(publicKey, message, signature) {
      const key = `1:${bytesToHex(publicKey)}:${bytesToHex(message)}:${bytesToHex(signature)}`
      if (verified.has(key)) return true
      try {
        const ok = bls.Signature.fromBytes(signature).verify(publicKeyOf(publicKey), message)
        if (ok) remember(key)
        return ok
      } catch {
        return false
      }
    },
    verifyMultiple(keys, messages, signature) {
      const key = `n:${keys.map(bytesToHex).join(',')}:${messages.map(bytesToHex).join(',')}:${bytesToHex(signature)}`
      if (verified.has(key)) return true
      try {
        if (keys.length === 0 || keys.length !== messages.length) return false
        const ok = bls.Signature.fromBytes(signature).verifyMultiple(keys.map(publicKeyOf), messages)
        if (ok) remember(key)
        return ok
      } catch {
        return false
      }
    },
    aggregateSignatures(signatures) {
      const key = signatures.map(bytesToHex).join(',')
      const known = aggregates.get(key)
      if (known) return known
      const aggregate = bls.aggregateSignatures(signatures)
      if (aggregates.size >= capacity) aggregates.delete(aggregates.keys().next().value!)
      aggregates.set(key, aggregate)
      return aggregate
    },
  }
}
