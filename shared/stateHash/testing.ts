import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { expect } from 'vitest'

/**
 * Keys that share one bucket of the state tree (96,851, that of `sharedBucketTarget`), for tests
 * of buckets holding several leaves: found once by trying `order <n>` and `nonces <n>` for n = 0,
 * 1, … (about 2^18 tries per key, too slow to repeat in every run). `stateProof.test.ts` checks
 * that they do share it.
 */
export const sharedBucketTarget = 'balance 0x2b5ad5c4795c026514f8317c7a215e218dccd6cf USDT'
export const sharedBucketOrderKeys = [95_637, 116_528, 438_962, 690_202].map((n) => `order ${n}`)
export const sharedBucketNonceKeys = [
  77_831, 155_764, 303_998, 626_234, 896_342, 1_231_207, 1_616_892, 1_630_101,
].map((n) => `nonces ${n}`)

/** SHA-256 by node's own implementation: what the kernels are checked against. */
export const nodeSha256 = (data: Uint8Array) =>
  new Uint8Array(createHash('sha256').update(data).digest())

/** A kernel's SHA-256 of `length` bytes from `offset`, written at `targetOffset`. */
type HashInto = (
  source: Uint8Array,
  offset: number,
  length: number,
  target: Uint8Array,
  targetOffset: number,
) => void

/**
 * Checks `hashInto` against node's on messages of up to `maxLength` bytes at any offset,
 * written at any offset without touching the bytes around, and in place over its input.
 */
export function expectHashesAnyMessage(hashInto: HashInto, maxLength: number, runs: number) {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength }),
      fc.nat(),
      fc.nat(),
      fc.nat(40),
      (bytes, start, size, targetOffset) => {
        const offset = start % (bytes.length + 1)
        const length = size % (bytes.length - offset + 1)
        const target = new Uint8Array(targetOffset + 40).fill(0xaa)
        hashInto(bytes, offset, length, target, targetOffset)
        const expected = nodeSha256(bytes.subarray(offset, offset + length))
        expect(target.subarray(targetOffset, targetOffset + 32)).toEqual(expected)
        expect(target.subarray(0, targetOffset).every((byte) => byte === 0xaa)).toBe(true)
        expect(target.subarray(targetOffset + 32).every((byte) => byte === 0xaa)).toBe(true)
        if (length < 32) return
        // In place: the input is read whole before the digest is written.
        const copy = bytes.slice()
        hashInto(copy, offset, length, copy, offset)
        expect(copy.subarray(offset, offset + 32)).toEqual(expected)
      },
    ),
    { numRuns: runs },
  )
}
