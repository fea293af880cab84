import * as mcl from 'mcl-wasm'
import { beforeAll, expect, it } from 'vitest'
import * as bls from './bls.ts'
import { initZellular } from './index.ts'

let keys: bls.SecretKey[]
let checks: bls.SignatureCheck[]

beforeAll(async () => {
  await initZellular()
  keys = [3n, 5n, 7n].map((value) => bls.secretKeyFromBigInt(value * 1_000_003n))
  checks = keys.map((key, position) => {
    const message = `message ${position}`
    return { signature: bls.sign(key, message), publicKey: bls.publicKeyOf(key), message }
  })
})

it('accepts a set of valid signatures checked together, with prepared keys or not', () => {
  expect(bls.verifyAll(checks)).toBe(true)
  expect(bls.verifyAll(checks.slice(0, 2))).toBe(true)
  expect(bls.verifyAll([])).toBe(true)
  const prepared = checks.map((check, position) => ({
    ...check,
    publicKey: bls.preparePublicKey(bls.publicKeyOf(keys[position]!)),
  }))
  expect(bls.verifyAll([...prepared, checks[0]!])).toBe(true)
})

it('refuses a set with one forged, swapped or zero signature', () => {
  const [a, b, c] = checks as [bls.SignatureCheck, bls.SignatureCheck, bls.SignatureCheck]
  expect(bls.verifyAll([a, { ...b, message: 'other' }, c])).toBe(false)
  expect(bls.verifyAll([a, { ...b, signature: c.signature }, c])).toBe(false)
  expect(bls.verifyAll([a, { ...b, signature: bls.aggregateSignatures([]) }])).toBe(false)
  expect(bls.verifyAll([{ ...a, message: 'other' }])).toBe(false)
})

it('refuses two invalid signatures whose errors cancel out in a plain sum', () => {
  // σa + Δ and σb − Δ are both invalid, yet their sum equals σa + σb: an unweighted aggregate
  // check would pass them. The random weights are what refuse them.
  const delta = bls.sign(bls.secretKeyFromBigInt(42n), 'anything')
  const [a, b] = checks as [bls.SignatureCheck, bls.SignatureCheck]
  const shiftedA = { ...a, signature: bls.aggregateSignatures([a.signature, delta]) }
  const shiftedB = { ...b, signature: mcl.sub(b.signature, delta) }
  expect(bls.verify(shiftedA.signature, a.publicKey, a.message)).toBe(false)
  expect(bls.verify(shiftedB.signature, b.publicKey, b.message)).toBe(false)
  const sum = bls.aggregateSignatures([shiftedA.signature, shiftedB.signature])
  expect(sum.isEqual(bls.aggregateSignatures([a.signature, b.signature]))).toBe(true)
  expect(bls.verifyAll([shiftedA, shiftedB])).toBe(false)
})

it('checks signatures under one key object together, and refuses a forged or shifted one', () => {
  const key = keys[0]!
  const publicKey = bls.preparePublicKey(bls.publicKeyOf(key))
  const sameKey = [0, 1, 2, 3, 4].map((n) => {
    const message = `proof ${n}`
    return { signature: bls.sign(key, message), publicKey, message }
  })
  expect(bls.verifyAll(sameKey)).toBe(true)
  expect(bls.verifyAll([...sameKey, ...checks])).toBe(true)
  const [p0, p1, ...rest] = sameKey as [bls.SignatureCheck, bls.SignatureCheck]
  expect(bls.verifyAll([p0, { ...p1, message: 'other' }, ...rest])).toBe(false)
  const delta = bls.sign(keys[1]!, 'anything')
  const shifted0 = { ...p0, signature: bls.aggregateSignatures([p0.signature, delta]) }
  const shifted1 = { ...p1, signature: mcl.sub(p1.signature, delta) }
  expect(bls.verifyAll([shifted0, shifted1, ...rest])).toBe(false)
})

it('checks a batch built a part at a time as verifyAll does, one signature alone included', () => {
  const batchOf = (list: readonly bls.SignatureCheck[]) => {
    const batch = new bls.SignatureBatch()
    for (const check of list) batch.add(check)
    return batch
  }
  const [a, b, c] = checks as [bls.SignatureCheck, bls.SignatureCheck, bls.SignatureCheck]
  const before = bls.pairingChecks()
  expect(batchOf(checks).verify()).toBe(true)
  expect(batchOf([a]).verify()).toBe(true)
  expect(bls.pairingChecks() - before).toBe(2)
  expect(batchOf([]).verify()).toBe(true)
  expect(batchOf([a, { ...b, message: 'other' }, c]).verify()).toBe(false)
  expect(batchOf([{ ...a, signature: b.signature }]).verify()).toBe(false)
  // After a zero signature the batch is refused, and later signatures cost nothing.
  const terms = bls.signaturesChecked()
  const zero = batchOf([a, { ...b, signature: bls.aggregateSignatures([]) }, c])
  expect(bls.signaturesChecked() - terms).toBe(2)
  expect(zero.verify()).toBe(false)
})

it('shares a secret between two keys, the same from either side and no one else’s', () => {
  const [a, b, c] = keys as [bls.SecretKey, bls.SecretKey, bls.SecretKey]
  const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
  const ab = hex(bls.sharedSecret(a, bls.publicKeyOf(b)))
  expect(hex(bls.sharedSecret(b, bls.publicKeyOf(a)))).toBe(ab)
  // A third key, with either public key, meets neither of them at that secret.
  expect(hex(bls.sharedSecret(c, bls.publicKeyOf(a)))).not.toBe(ab)
  expect(hex(bls.sharedSecret(c, bls.publicKeyOf(b)))).not.toBe(ab)
  expect(hex(bls.sharedSecret(a, bls.publicKeyOf(c)))).not.toBe(ab)
  expect(() => bls.sharedSecret(a, new mcl.G2())).toThrow(RangeError)
})

it('counts its pairing checks', () => {
  const before = bls.pairingChecks()
  const [first] = checks as [bls.SignatureCheck]
  bls.verify(first.signature, first.publicKey, first.message)
  bls.verifyAll(checks)
  expect(bls.pairingChecks() - before).toBe(2)
})
