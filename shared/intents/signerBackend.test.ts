import { secp256k1 } from '@noble/curves/secp256k1'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import { privateKeyToAddress } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { hashPersonalMessage } from './hashPersonalMessage.ts'
import { nativeSignerBackend } from './nativeSignerBackend.ts'
import { nobleSignerBackend } from './nobleSignerBackend.ts'
import { recoverPersonalMessageSigner } from './recoverIntentSigner.ts'
import { defaultSignerBackend, type SignerBackend } from './signerBackend.ts'
import { toHighS, toZeroOneV } from './testing.ts'

const privateKey = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .filter((bytes) => secp256k1.utils.isValidPrivateKey(bytes))

function native(): SignerBackend {
  if (nativeSignerBackend === undefined) throw new Error('native secp256k1 did not load')
  return nativeSignerBackend
}

describe('signer backends', () => {
  it('loads the native addon on Node and makes it the default', () => {
    expect(native().name).toBe('native')
    expect(defaultSignerBackend).toBe(nativeSignerBackend)
  })

  it('recover the same address from every encoding of random signatures', () => {
    fc.assert(
      fc.property(privateKey, fc.string({ unit: 'binary', maxLength: 200 }), (key, text) => {
        const signed = secp256k1.sign(hashPersonalMessage(text), key)
        const signature = `${bytesToHex(signed.toCompactRawBytes())}${(
          27 + signed.recovery
        ).toString(16)}`
        const expected = privateKeyToAddress(bytesToHex(key)).toLowerCase()
        const variants = [signature, toZeroOneV(signature), toHighS(signature)]
        variants.push(toZeroOneV(toHighS(signature)), signature.slice(2))
        for (const variant of variants) {
          for (const backend of [native(), nobleSignerBackend]) {
            const recovered = recoverPersonalMessageSigner(text, variant, backend)
            expect(recovered).toEqual({ ok: true, value: expected })
          }
        }
      }),
      { seed: 20_260_101, numRuns: 100 },
    )
  })

  it('agree on random bytes that are mostly not signatures at all', () => {
    const bytes = fc.uint8Array({ minLength: 65, maxLength: 65 })
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 3 }), (raw, v) => {
        const signature = `${bytesToHex(raw.subarray(0, 64))}0${v}`
        const fromNative = recoverPersonalMessageSigner('x', signature, native())
        const fromNoble = recoverPersonalMessageSigner('x', signature, nobleSignerBackend)
        expect(fromNative).toEqual(fromNoble)
      }),
      { seed: 7, numRuns: 200 },
    )
  })

  it('both refuse r values that are no point on the curve', () => {
    // x = 5 has no square root of x^3 + 7 modulo p, so no public key recovers from it.
    const signature = `0x${'0'.repeat(63)}5${'0'.repeat(63)}11b`
    for (const backend of [native(), nobleSignerBackend]) {
      expect(recoverPersonalMessageSigner('x', signature, backend)).toEqual({
        ok: false,
        reason: 'invalid_signature',
      })
    }
  })
})
