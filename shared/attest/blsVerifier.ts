import type { IBls, PublicKey, Signature } from '@chainsafe/bls/types'
import { bytesToHex } from 'viem'

/**
 * The BLS12-381 checks quorums need, injected so that the caller chooses the
 * backend and when it loads (the web app loads herumi's WASM on first use; replicas and benches
 * pass it at once). Both return false on any bad input (malformed point, wrong length, wrong
 * subgroup) and never throw.
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
  /**
   * The same check when the signatures come already added up into one (a quorum certificate):
   * BLS `verifyMultiple` of `aggregateSignature` over the pairs (key i, message i).
   */
  verifyMultiple(
    publicKeys: Uint8Array[],
    messages: Uint8Array[],
    aggregateSignature: Uint8Array,
  ): boolean
  /**
   * True only when the sum of `signatures` (one or more: a certificate's aggregate is one)
   * verifies for the one `message` under the sum of `publicKeys`: BLS FastAggregateVerify, two
   * pairings whatever the number of signers. Sound only for keys whose proofs of possession
   * were checked (`unprovenMember`): a rogue key could otherwise cancel the others out.
   */
  fastAggregateVerify(
    publicKeys: Uint8Array[],
    message: Uint8Array,
    signatures: Uint8Array[],
  ): boolean
}

/**
 * Wraps a `@chainsafe/bls` implementation (herumi) so that work is never repeated. Points are
 * deserialised (and subgroup-checked) once: public keys (a handful, from the registry) and
 * signatures are kept as parsed objects, so checking each signature and then their aggregate
 * parses every signature once, and the aggregate is formed from the parsed points instead of
 * being serialised and parsed again. Every check that succeeded is remembered by its exact
 * inputs: clients re-read the same signed balance every few seconds while nothing changes, and
 * those re-reads then cost a lookup instead of pairings. Only successes are cached, keyed by all
 * key, message and signature bytes, so a cached `true` is a fact. Each cache holds at most
 * `capacity` entries (oldest dropped first).
 *
 * @example
 * import herumi from '@chainsafe/bls/herumi'
 * const bls = createBlsVerifier(herumi)
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
  /** A check run once per exact input: only a success is remembered, so a hit is a fact. */
  const checked = (key: string, check: () => boolean): boolean => {
    if (verified.has(key)) return true
    try {
      const ok = check()
      if (ok) {
        if (verified.size >= capacity) verified.delete(verified.values().next().value!)
        verified.add(key)
      }
      return ok
    } catch {
      return false
    }
  }
  const hex = (list: Uint8Array[]) => list.map((bytes) => bytesToHex(bytes)).join(',')
  return {
    verify(publicKey, message, signature) {
      const key = `1:${bytesToHex(publicKey)}:${bytesToHex(message)}:${bytesToHex(signature)}`
      return checked(key, () => signatureOf(signature).verify(publicKeyOf(publicKey), message))
    },
    verifyAggregate(keys, messages, parts) {
      if (keys.length === 0 || keys.length !== messages.length || keys.length !== parts.length) {
        return false
      }
      return checked(`n:${hex(keys)}:${hex(messages)}:${hex(parts)}`, () =>
        bls.Signature.aggregate(parts.map(signatureOf)).verifyMultiple(
          keys.map(publicKeyOf),
          messages,
        ),
      )
    },
    fastAggregateVerify(keys, message, parts) {
      if (keys.length === 0 || parts.length === 0) return false
      return checked(`f:${hex(keys)}:${bytesToHex(message)}:${hex(parts)}`, () =>
        bls.Signature.aggregate(parts.map(signatureOf)).verifyAggregate(
          keys.map(publicKeyOf),
          message,
        ),
      )
    },
    verifyMultiple(keys, messages, aggregate) {
      if (keys.length === 0 || keys.length !== messages.length) return false
      return checked(`m:${hex(keys)}:${hex(messages)}:${bytesToHex(aggregate)}`, () =>
        signatureOf(aggregate).verifyMultiple(keys.map(publicKeyOf), messages),
      )
    },
  }
}
