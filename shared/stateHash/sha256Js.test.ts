import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256IntoJs, sha256PairJs } from './sha256Js.ts'
import { expectHashesAnyMessage, nodeSha256 } from './testing.ts'

describe('sha256PairJs', () => {
  it('is SHA-256 of the 64 bytes at any offset, written at any offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 200 }),
        fc.nat(),
        fc.nat(40),
        (bytes, start, targetOffset) => {
          const sourceOffset = start % (bytes.length - 63)
          const target = new Uint8Array(targetOffset + 40).fill(0xaa)
          sha256PairJs(bytes, sourceOffset, target, targetOffset)
          const expected = nodeSha256(bytes.subarray(sourceOffset, sourceOffset + 64))
          expect(target.subarray(targetOffset, targetOffset + 32)).toEqual(expected)
          // Nothing around the 32 bytes is written.
          expect(target.subarray(0, targetOffset).every((byte) => byte === 0xaa)).toBe(true)
          expect(target.subarray(targetOffset + 32).every((byte) => byte === 0xaa)).toBe(true)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('gives the FIPS 180-4 digest of 64 zero bytes and of 64 bytes 0xff', () => {
    const out = new Uint8Array(32)
    sha256PairJs(new Uint8Array(64), 0, out, 0)
    expect(Buffer.from(out).toString('hex')).toBe(
      'f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b',
    )
    sha256PairJs(new Uint8Array(64).fill(0xff), 0, out, 0)
    expect(out).toEqual(nodeSha256(new Uint8Array(64).fill(0xff)))
  })
})

describe('sha256IntoJs', () => {
  it('is SHA-256 of any length at any offset, written at any offset (even over its input)', () => {
    expectHashesAnyMessage(sha256IntoJs, 300, 1000)
  })

  it('pads at every length around a block boundary (55, 56, 63, 64, 119, 120 bytes)', () => {
    const out = new Uint8Array(32)
    for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff)
      sha256IntoJs(bytes, 0, length, out, 0)
      expect(out, `${length} bytes`).toEqual(nodeSha256(bytes))
    }
  })

  it('gives the FIPS 180-4 digest of "abc" after a pair hash used the scratch', () => {
    const out = new Uint8Array(32)
    sha256PairJs(new Uint8Array(64).fill(0xff), 0, out, 0)
    sha256IntoJs(new TextEncoder().encode('abc'), 0, 3, out, 0)
    expect(Buffer.from(out).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})
