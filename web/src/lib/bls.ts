import type { IBls, PublicKey, Signature } from '@chainsafe/bls/types'
import { bytesToHex } from './hex.ts'

/**
 * The BLS12-381 backend for balance proofs: `@chainsafe/bls/herumi` (WASM), loaded on first use
 * so the 680 kB chunk stays out of the first paint. Only the two checks the quorum verifier
 * needs are exposed, which also lets unit tests pass a verifier built on the same module in Node.
 * Both return false on any bad input (malformed point, wrong length, wrong subgroup).
 */
export interface BlsVerifier {
  /** True only for a valid signature of `message` by `publicKey`. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean
  /**
   * True only when the aggregate of `signatures` verifies for the pairs (key i, message i):
   * BLS `verifyMultiple` (AggregateVerify) over distinct 32-byte messages.
   */
  verifyAggregate(
    publicKeys: Uint8Array[],
    messages: Uint8Array[],
    signatures: Uint8Array[],
  ): boolean
}

let loading: Promise<BlsVerifier> | undefined

/** Loads herumi once and wraps it in `createBlsVerifier`; later calls share the promise. */
export function loadBls(): Promise<BlsVerifier> {
  loading ??= import('@chainsafe/bls/herumi').then((module) => createBlsVerifier(module.default))
  return loading
}

/**
 * Wraps herumi so that work is never repeated. Points are deserialised (and subgroup-checked)
 * once: public keys (a handful, from the registry) and signatures are kept as parsed objects, so
 * checking each signature and then their aggregate parses every signature once, and the
 * aggregate is formed from the parsed points instead of being serialised and parsed again.
 * Every check that succeeded is remembered by its exact inputs: the app re-reads the same
 * signed balance every few seconds while nothing changes, and those re-reads then cost a lookup
 * instead of pairings. Only successes are cached, keyed by all key, message and signature
 * bytes, so a cached `true` is a fact.
 */
export function createBlsVerifier(bls: IBls, capacity = 2048): BlsVerifier {
  const publicKeys = new Map<string, PublicKey>()
  const signatures = new Map<string, Signature>()
  const verified = new Set<string>()
  const bounded = <value>(map: Map<string, value>, key: string, make: () => value): value => {
    let found = map.get(key)
    if (found === undefined) {
      found = make()
      if (map.size >= capacity) map.delete(map.keys().next().value!)
      map.set(key, found)
    }
    return found
  }
  const publicKeyOf = (bytes: Uint8Array) =>
    bounded(publicKeys, bytesToHex(bytes), () => bls.PublicKey.fromBytes(bytes))
  const signatureOf = (bytes: Uint8Array) =>
    bounded(signatures, bytesToHex(bytes), () => bls.Signature.fromBytes(bytes))
  const remember = (key: string) => {
    if (verified.size >= capacity) verified.delete(verified.values().next().value!)
    verified.add(key)
  }
  return {
    verify(publicKey, message, signature) {
      const key = `1:${bytesToHex(publicKey)}:${bytesToHex(message)}:${bytesToHex(signature)}`
      if (verified.has(key)) return true
      try {
        const ok = signatureOf(signature).verify(publicKeyOf(publicKey), message)
        if (ok) remember(key)
        return ok
      } catch {
        return false
      }
    },
    verifyAggregate(keys, messages, parts) {
      if (keys.length === 0 || keys.length !== messages.length || keys.length !== parts.length) {
        return false
      }
      const key = `n:${keys.map(bytesToHex).join(',')}:${messages.map(bytesToHex).join(',')}:${parts
        .map(bytesToHex)
        .join(',')}`
      if (verified.has(key)) return true
      try {
        const aggregate = bls.Signature.aggregate(parts.map(signatureOf))
        const ok = aggregate.verifyMultiple(keys.map(publicKeyOf), messages)
        if (ok) remember(key)
        return ok
      } catch {
        return false
      }
    },
  }
}
