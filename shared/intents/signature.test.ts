import { describe, expect, it } from 'vitest'
import { parseRecoverableSignature, secp256k1Order } from './signature.ts'

const hex64 = (value: bigint) => value.toString(16).padStart(64, '0')
const r = 0x1111n
const lowS = 0x2222n
const highS = secp256k1Order - lowS

function compactOf(result: ReturnType<typeof parseRecoverableSignature>) {
  if (!result.ok) throw new Error(result.reason)
  const { compact, recoveryBit } = result.value
  return { compact: Buffer.from(compact).toString('hex'), bit: recoveryBit }
}

describe('parseRecoverableSignature', () => {
  it('reads v as 27/28 or 0/1, with or without 0x', () => {
    for (const [v, bit] of [
      ['1b', 0],
      ['1c', 1],
      ['00', 0],
      ['01', 1],
    ] as const) {
      const parsed = compactOf(parseRecoverableSignature(`0x${hex64(r)}${hex64(lowS)}${v}`))
      expect(parsed).toEqual({ compact: hex64(r) + hex64(lowS), bit })
      expect(compactOf(parseRecoverableSignature(`${hex64(r)}${hex64(lowS)}${v}`))).toEqual(parsed)
    }
  })

  it('turns a high s into n - s with the other recovery bit', () => {
    const low = compactOf(parseRecoverableSignature(`0x${hex64(r)}${hex64(lowS)}1b`))
    const high = compactOf(parseRecoverableSignature(`0x${hex64(r)}${hex64(highS)}1c`))
    expect(high).toEqual(low)
  })

  it.each([
    ['v = 2', `0x${hex64(r)}${hex64(lowS)}02`],
    ['v = 29', `0x${hex64(r)}${hex64(lowS)}1d`],
    ['v = 37 (EIP-155 style)', `0x${hex64(r)}${hex64(lowS)}25`],
    ['r = 0', `0x${hex64(0n)}${hex64(lowS)}1b`],
    ['s = 0', `0x${hex64(r)}${hex64(0n)}1b`],
    ['r = n', `0x${hex64(secp256k1Order)}${hex64(lowS)}1b`],
    ['s = n', `0x${hex64(r)}${hex64(secp256k1Order)}1b`],
    ['64 bytes', `0x${hex64(r)}${hex64(lowS)}`],
    ['66 bytes', `0x${hex64(r)}${hex64(lowS)}1b00`],
    ['non-hex', `0x${hex64(r)}${hex64(lowS)}zz`],
  ])('rejects %s', (_, signature) => {
    expect(parseRecoverableSignature(signature)).toEqual({ ok: false, reason: 'invalid_signature' })
  })
})
