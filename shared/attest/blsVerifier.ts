import type * as HerumiModule from 'bls-eth-wasm'
import { bytesToHex, concat as concatBytes } from 'viem'

/**
 * The BLS12-381 checks quorums need, injected so that the caller chooses the backend and when it
 * loads (the web app loads herumi's WASM on first use; replicas and benches pass it at once).
 * Each returns false on any bad input (malformed point, wrong length, wrong subgroup) and never
 * throws.
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

/** herumi's BLS12-381 in WebAssembly (`bls-eth-wasm`), initialised (Ethereum's ciphersuite). */
export type Herumi = typeof HerumiModule

type HerumiPublicKey = InstanceType<Herumi['PublicKey']>
type HerumiSignature = InstanceType<Herumi['Signature']>

/**
 * The checks on herumi, with no work repeated. Points are deserialised once and kept: public
 * keys (a handful, from the registry) with their curve and subgroup checks, and signatures
 * with only their curve check, since what a pairing needs in the subgroup is the one signature
 * it is given: a sum of signatures (every aggregate check here) is subgroup-checked once, as
 * BLS's CoreAggregateVerify does, instead of each part (a sum is outside the subgroup whenever
 * one part alone is, and parts whose outside components cancel add up to the honest sum). That
 * makes a quorum of 3 cost one subgroup check instead of three, and each signature one
 * deserialisation instead of the two `@chainsafe/bls` makes. Every check that succeeded is
 * remembered by its exact inputs: clients re-read the same signed balance every few seconds
 * while nothing changes, and those re-reads then cost a lookup instead of pairings. Only
 * successes are cached, keyed by all key, message and signature bytes, so a cached `true` is a
 * fact. Each cache holds at most `capacity` entries (oldest dropped first).
 *
 * @example
 * import { herumi } from './herumi.ts' // Node; the web app loads and initialises it itself
 * const bls = createBlsVerifier(herumi)
 */
export function createBlsVerifier(herumi: Herumi, capacity = 2048): BlsVerifier {
  const { publicKeyOf, sumOf } = herumiPoints(herumi, capacity)
  const verified = new Set<string>()
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
  const verifyMultiple = (keys: Uint8Array[], messages: Uint8Array[], sum: HerumiSignature) =>
    messages.every((message) => message.length === 32) &&
    sum.aggregateVerifyNoCheck(keys.map(publicKeyOf), concatBytes(messages))
  return {
    verify(publicKey, message, signature) {
      const key = `1:${bytesToHex(publicKey)}:${bytesToHex(message)}:${bytesToHex(signature)}`
      return checked(key, () => publicKeyOf(publicKey).verify(sumOf([signature]), message))
    },
    verifyAggregate(keys, messages, parts) {
      if (keys.length === 0 || keys.length !== messages.length || keys.length !== parts.length) {
        return false
      }
      return checked(`n:${hex(keys)}:${hex(messages)}:${hex(parts)}`, () =>
        verifyMultiple(keys, messages, sumOf(parts)),
      )
    },
    verifyMultiple(keys, messages, aggregate) {
      if (keys.length === 0 || keys.length !== messages.length) return false
      return checked(`m:${hex(keys)}:${hex(messages)}:${bytesToHex(aggregate)}`, () =>
        verifyMultiple(keys, messages, sumOf([aggregate])),
      )
    },
    fastAggregateVerify(keys, message, parts) {
      if (keys.length === 0 || parts.length === 0) return false
      return checked(`f:${hex(keys)}:${bytesToHex(message)}:${hex(parts)}`, () =>
        sumOf(parts).fastAggregateVerify(keys.map(publicKeyOf), message),
      )
    },
  }
}

/**
 * herumi's points from their bytes, each deserialised once and kept (at most `capacity` of
 * each kind, oldest dropped first). Both throw on a bad point.
 */
function herumiPoints(herumi: Herumi, capacity: number) {
  const publicKeys = new Map<string, HerumiPublicKey>()
  const signatures = new Map<string, HerumiSignature>()
  const bounded = <value>(map: Map<string, value>, key: string, make: () => value): value => {
    let found = map.get(key)
    if (found === undefined) {
      found = make()
      if (map.size >= capacity) map.delete(map.keys().next().value!)
      map.set(key, found)
    }
    return found
  }
  /** A signature on the curve; its subgroup is checked where it is used (`inSubgroup`). */
  const pointOf = (bytes: Uint8Array) =>
    bounded(signatures, bytesToHex(bytes), () => {
      if (bytes.length !== 96) throw new RangeError('signature length')
      const signature = new herumi.Signature()
      withoutOrderChecks(herumi, () => signature.deserialize(bytes))
      return signature
    })
  return {
    /** A registry key: on the curve, in the subgroup and not the identity (KeyValidate). */
    publicKeyOf: (bytes: Uint8Array) =>
      bounded(publicKeys, bytesToHex(bytes), () => {
        if (bytes.length !== 48) throw new RangeError('public key length')
        const key = new herumi.PublicKey()
        withoutOrderChecks(herumi, () => key.deserialize(bytes))
        if (key.isZero() || !key.isValidOrder()) throw new RangeError('invalid public key')
        return key
      }),
    /** The sum of signatures (or the one), checked in the subgroup. */
    sumOf: (parts: Uint8Array[]): HerumiSignature => {
      if (parts.length === 1) return inSubgroup(pointOf(parts[0]!))
      const sum = new herumi.Signature()
      // Its boolean answer is not the C function's (which returns nothing): not a failure.
      sum.aggregate(parts.map(pointOf))
      return inSubgroup(sum)
    },
  }
}

/** The point, if it is in the prime-order subgroup; throws otherwise. */
function inSubgroup(signature: HerumiSignature): HerumiSignature {
  if (!signature.isValidOrder()) throw new RangeError('signature outside the subgroup')
  return signature
}

/**
 * Runs `deserialize` with herumi's own subgroup checks off (a global setting, restored before
 * returning), so that this module decides where they run.
 */
function withoutOrderChecks(herumi: Herumi, deserialize: () => void): void {
  herumi.verifySignatureOrder(false)
  herumi.verifyPublicKeyOrder(false)
  try {
    deserialize()
  } finally {
    herumi.verifySignatureOrder(true)
    herumi.verifyPublicKeyOrder(true)
  }
}
