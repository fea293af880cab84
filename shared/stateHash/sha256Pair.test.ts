import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256Of32Into, sha256PairInto } from './sha256Pair.ts'

const sha = (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())

describe('sha256PairInto', () => {
  it('is SHA-256 of the 64 bytes at any offset, written at any offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 200 }),
        fc.nat(),
        fc.nat(40),
        (bytes, start, targetOffset) => {
          const sourceOffset = start % (bytes.length - 63)
          const target = new Uint8Array(targetOffset + 40).fill(0xaa)
          sha256PairInto(bytes, sourceOffset, target, targetOffset)
          const expected = sha(bytes.subarray(sourceOffset, sourceOffset + 64))
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
    sha256PairInto(new Uint8Array(64), 0, out, 0)
    expect(Buffer.from(out).toString('hex')).toBe(
      'f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b',
    )
    sha256PairInto(new Uint8Array(64).fill(0xff), 0, out, 0)
    expect(out).toEqual(sha(new Uint8Array(64).fill(0xff)))
  })
})

describe('sha256Of32Into', () => {
  it('is SHA-256 of the 32 bytes at any offset, written at any offset (even over them)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 100 }),
        fc.nat(),
        fc.nat(40),
        (bytes, start, targetOffset) => {
          const sourceOffset = start % (bytes.length - 31)
          const target = new Uint8Array(targetOffset + 40).fill(0xaa)
          sha256Of32Into(bytes, sourceOffset, target, targetOffset)
          const expected = sha(bytes.subarray(sourceOffset, sourceOffset + 32))
          expect(target.subarray(targetOffset, targetOffset + 32)).toEqual(expected)
          expect(target.subarray(0, targetOffset).every((byte) => byte === 0xaa)).toBe(true)
          expect(target.subarray(targetOffset + 32).every((byte) => byte === 0xaa)).toBe(true)
          // In place: the input is read whole before the digest is written.
          const copy = bytes.slice()
          sha256Of32Into(copy, sourceOffset, copy, sourceOffset)
          expect(copy.subarray(sourceOffset, sourceOffset + 32)).toEqual(expected)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('gives the FIPS 180-4 digest of 32 zero bytes after a pair hash used the scratch', () => {
    const out = new Uint8Array(32)
    sha256PairInto(new Uint8Array(64).fill(0xff), 0, out, 0)
    sha256Of32Into(new Uint8Array(32), 0, out, 0)
    expect(Buffer.from(out).toString('hex')).toBe(
      '66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925',
    )
  })
})
