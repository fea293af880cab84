import { secp256k1 } from '@noble/curves/secp256k1'
import { expect, it } from 'vitest'
import { createCachingSignerBackend } from './cachingSignerBackend.ts'
import { hashPersonalMessage } from './hashPersonalMessage.ts'
import { nobleSignerBackend } from './nobleSignerBackend.ts'
import type { RecoverableSignature } from './signature.ts'
import type { SignerBackend } from './signerBackend.ts'

function signed(
  text: string,
  key: Uint8Array,
): { hash: Uint8Array; signature: RecoverableSignature } {
  const hash = hashPersonalMessage(text)
  const raw = secp256k1.sign(hash, key, { lowS: true })
  return {
    hash,
    signature: { compact: raw.toCompactRawBytes(), recoveryBit: raw.recovery as 0 | 1 },
  }
}

it('answers a repeated recovery from memory, and never mixes up different inputs', () => {
  let calls = 0
  const counting: SignerBackend = {
    name: 'noble',
    recoverPublicKey(hash, signature) {
      calls += 1
      return nobleSignerBackend.recoverPublicKey(hash, signature)
    },
  }
  const backend = createCachingSignerBackend(counting, 2)
  const key = secp256k1.utils.randomPrivateKey()
  const a = signed('transfer 1', key)
  const b = signed('transfer 2', key)
  const expected = secp256k1.getPublicKey(key, false)

  expect(backend.recoverPublicKey(a.hash, a.signature)).toEqual(expected)
  expect(backend.recoverPublicKey(a.hash, a.signature)).toEqual(expected)
  expect(calls).toBe(1)
  expect(backend.hits()).toBe(1)

  // Same signature over another message, or the other recovery bit: not the cached answer.
  const other = backend.recoverPublicKey(b.hash, a.signature)
  expect(other).not.toEqual(expected)
  const flipped = { ...a.signature, recoveryBit: (1 - a.signature.recoveryBit) as 0 | 1 }
  expect(backend.recoverPublicKey(a.hash, flipped)).not.toEqual(expected)
  expect(calls).toBe(3)

  // Capacity 2: the oldest entry (a) is gone and is recovered again.
  expect(backend.recoverPublicKey(a.hash, a.signature)).toEqual(expected)
  expect(calls).toBe(4)
})
