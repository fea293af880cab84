import { describe, expect, it } from 'vitest'
import { bytesToHex } from 'viem'
import { base64urlToHex, bytesToBase64url } from './base64url.ts'

/** Deterministic bytes 0..length-1 mixed by a multiplier, enough to hit every character. */
function bytesOf(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 167 + seed * 31 + 7) & 0xff)
}

describe('base64url', () => {
  it('spells bytes as Node does, without padding, and reads them back', () => {
    for (let length = 0; length <= 70; length++) {
      for (const seed of [0, 1, 2]) {
        const bytes = bytesOf(length, seed)
        const text = bytesToBase64url(bytes)
        expect(text).toBe(Buffer.from(bytes).toString('base64url'))
        expect(base64urlToHex(text, length)).toBe(bytesToHex(bytes))
      }
    }
  })

  it('refuses another length, padding, other alphabets and non-zero spare bits', () => {
    const text = bytesToBase64url(bytesOf(20, 1))
    expect(base64urlToHex(text, 19)).toBeUndefined()
    expect(base64urlToHex(`${text}=`, 20)).toBeUndefined()
    expect(base64urlToHex(`+${text.slice(1)}`, 20)).toBeUndefined()
    expect(base64urlToHex(`é${text.slice(1)}`, 20)).toBeUndefined()
    // 20 bytes leave 2 spare bits in the last of 27 characters: 'B' sets one.
    expect(base64urlToHex(`${text.slice(0, 26)}B`, 20)).toBeUndefined()
    expect(base64urlToHex(`${text.slice(0, 26)}A`, 20)).toBeDefined()
  })
})
