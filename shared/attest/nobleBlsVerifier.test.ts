import chainsafe from '@chainsafe/bls/herumi'
import { herumi } from './herumi.ts'
import { bls12_381 } from '@noble/curves/bls12-381'
import { describe, expect, it } from 'vitest'
import { createBlsVerifier, type BlsVerifier } from './blsVerifier.ts'
import { createNobleBlsVerifier } from './nobleBlsVerifier.ts'

const keys = [1, 2, 3].map((n) => chainsafe.SecretKey.fromBytes(new Uint8Array(32).fill(n)))
const publicKeys = keys.map((key) => key.toPublicKey().toBytes())
const messages = [1, 2, 3].map((n) => new Uint8Array(32).fill(40 + n))
const signatures = keys.map((key, i) => key.sign(messages[i]!).toBytes())
const aggregate = chainsafe.Signature.aggregate(
  signatures.map((bytes) => chainsafe.Signature.fromBytes(bytes)),
).toBytes()
const shared = messages[0]!
const sharedSignatures = keys.map((key) => key.sign(shared).toBytes())
const sharedAggregate = chainsafe.Signature.aggregate(
  sharedSignatures.map((bytes) => chainsafe.Signature.fromBytes(bytes)),
).toBytes()

const { Fp, Fp2 } = bls12_381.fields

/** 48 big-endian bytes of a field element, with the compressed-point flags on the first byte. */
const bytes48 = (value: bigint, flags = 0) => {
  const out = Uint8Array.from(value.toString(16).padStart(96, '0').match(/../g)!, (h) =>
    parseInt(h, 16),
  )
  out[0]! |= flags
  return out
}

/** The first x from `xOf(1), xOf(2), …` with a point (x, y) on the curve outside the subgroup. */
function firstOffSubgroup<F, P extends { isTorsionFree(): boolean }>(
  xOf: (k: bigint) => F,
  /** y² = x³ + b, or throws when that has no root. */
  yOf: (x: F) => F,
  pointOf: (x: F, y: F) => P,
): { x: F; point: P } {
  for (let k = 1n; ; k++) {
    const x = xOf(k)
    let y: F
    try {
      y = yOf(x)
    } catch {
      continue
    }
    const point = pointOf(x, y)
    if (!point.isTorsionFree()) return { x, point }
  }
}

/**
 * Points on the curves (y² = x³ + 4 and its twist) outside the prime-order subgroups, encoded
 * compressed by hand (noble refuses to encode them). The y-sign flag is left out: the negated
 * point is outside the subgroup too.
 */
function offSubgroupPoints() {
  const g1 = firstOffSubgroup(
    (k) => k,
    (x) => Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n)),
    (x, y) => bls12_381.G1.ProjectivePoint.fromAffine({ x, y }),
  )
  const g2 = firstOffSubgroup(
    (k) => Fp2.create({ c0: k, c1: 1n }),
    (x) => Fp2.sqrt(Fp2.add(Fp2.pow(x, 3n), Fp2.create({ c0: 4n, c1: 4n }))),
    (x, y) => bls12_381.G2.ProjectivePoint.fromAffine({ x, y }),
  )
  return {
    g1: g1.point,
    g2: g2.point,
    key: bytes48(g1.x, 0x80),
    signature: Uint8Array.from([...bytes48(g2.x.c1, 0x80), ...bytes48(g2.x.c0)]),
  }
}
const offSubgroup = offSubgroupPoints()
const offSubgroupKey = offSubgroup.key
const offSubgroupSignature = offSubgroup.signature
const keyAtInfinity = Uint8Array.from([0xc0, ...new Uint8Array(47)])
const signatureAtInfinity = Uint8Array.from([0xc0, ...new Uint8Array(95)])

const flipped = (bytes: Uint8Array, at: number) =>
  Uint8Array.from(bytes, (byte, i) => (i === at ? byte ^ 1 : byte))

/** Every case as [name, check], each run against both verifiers. */
const cases: [string, (bls: BlsVerifier) => boolean][] = [
  ['valid', (bls) => bls.verify(publicKeys[0]!, messages[0]!, signatures[0]!)],
  ['other message', (bls) => bls.verify(publicKeys[0]!, messages[1]!, signatures[0]!)],
  ['other key', (bls) => bls.verify(publicKeys[1]!, messages[0]!, signatures[0]!)],
  [
    'tampered signature',
    (bls) => bls.verify(publicKeys[0]!, messages[0]!, flipped(signatures[0]!, 50)),
  ],
  ['short signature', (bls) => bls.verify(publicKeys[0]!, messages[0]!, signatures[0]!.slice(1))],
  ['key off the subgroup', (bls) => bls.verify(offSubgroupKey, messages[0]!, signatures[0]!)],
  [
    'signature off the subgroup',
    (bls) => bls.verify(publicKeys[0]!, messages[0]!, offSubgroupSignature),
  ],
  ['key at infinity', (bls) => bls.verify(keyAtInfinity, messages[0]!, signatureAtInfinity)],
  ['aggregate', (bls) => bls.verifyAggregate(publicKeys, messages, signatures)],
  [
    'aggregate, one signature twice',
    (bls) =>
      bls.verifyAggregate(publicKeys, messages, [signatures[1]!, signatures[1]!, signatures[2]!]),
  ],
  [
    'aggregate, keys short',
    (bls) => bls.verifyAggregate(publicKeys.slice(1), messages, signatures),
  ],
  ['aggregate of none', (bls) => bls.verifyAggregate([], [], [])],
  ['multiple', (bls) => bls.verifyMultiple(publicKeys, messages, aggregate)],
  [
    'multiple, other messages',
    (bls) => bls.verifyMultiple(publicKeys, [...messages].reverse(), aggregate),
  ],
  [
    'multiple, a signer less',
    (bls) => bls.verifyMultiple(publicKeys.slice(0, 2), messages.slice(0, 2), aggregate),
  ],
  ['multiple at infinity', (bls) => bls.verifyMultiple(publicKeys, messages, signatureAtInfinity)],
  [
    'multiple off the subgroup',
    (bls) => bls.verifyMultiple(publicKeys, messages, offSubgroupSignature),
  ],
  ['fast aggregate', (bls) => bls.fastAggregateVerify(publicKeys, shared, sharedSignatures)],
  [
    'fast aggregate, summed',
    (bls) => bls.fastAggregateVerify(publicKeys, shared, [sharedAggregate]),
  ],
  [
    'fast aggregate, other message',
    (bls) => bls.fastAggregateVerify(publicKeys, messages[1]!, sharedSignatures),
  ],
  [
    'fast aggregate, a signer less',
    (bls) => bls.fastAggregateVerify(publicKeys.slice(1), shared, sharedSignatures),
  ],
  [
    'fast aggregate, a part off the subgroup',
    (bls) =>
      bls.fastAggregateVerify(publicKeys, shared, [...sharedSignatures, offSubgroupSignature]),
  ],
  [
    'fast aggregate, a key off the subgroup',
    (bls) => bls.fastAggregateVerify([...publicKeys, offSubgroupKey], shared, sharedSignatures),
  ],
  ['fast aggregate of none', (bls) => bls.fastAggregateVerify([], shared, [])],
  [
    'fast aggregate at infinity',
    (bls) => bls.fastAggregateVerify(publicKeys, shared, [signatureAtInfinity]),
  ],
]

describe('createNobleBlsVerifier', () => {
  it('answers every case as herumi does', () => {
    const answersOf = (bls: BlsVerifier) => cases.map(([name, check]) => [name, check(bls)])
    const noble = answersOf(createNobleBlsVerifier())
    expect(noble).toEqual(answersOf(createBlsVerifier(herumi)))
    // Both accept exactly the valid ones.
    expect(noble.filter(([, ok]) => ok).map(([name]) => name)).toEqual([
      'valid',
      'aggregate',
      'multiple',
      'fast aggregate',
      'fast aggregate, summed',
    ])
  })

  it('the test points are on their curves and outside the subgroups', () => {
    for (const point of [offSubgroup.g1, offSubgroup.g2]) {
      expect(() => point.assertValidity()).toThrow()
      expect(point.isTorsionFree()).toBe(false)
    }
  })
})
