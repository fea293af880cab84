import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadSha256Wasm, sha256Module, sha256WasmLayout, type Sha256Wasm } from './sha256Wasm.ts'
import { expectHashesAnyMessage, nodeSha256 } from './testing.ts'

let kernel: Sha256Wasm
beforeAll(async () => {
  kernel = await loadSha256Wasm()
})

describe('the WebAssembly SHA-256 kernel', () => {
  it('is a valid module of a few kilobytes', () => {
    const bytes = sha256Module()
    expect(WebAssembly.validate(bytes)).toBe(true)
    expect(bytes.length).toBeLessThan(16_384)
  })

  it('hashes any length at any offset, written at any offset (even over its input)', () => {
    expectHashesAnyMessage((...message) => kernel.hashInto(...message), 1200, 500)
  })

  it('hashes a message longer than its message area, and pads around block boundaries', () => {
    const out = new Uint8Array(32)
    const long = 64 * sha256WasmLayout.messageBlocks * 2 + 77
    for (const length of [0, 55, 56, 63, 64, 119, 120, long]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff)
      kernel.hashInto(bytes, 0, length, out, 0)
      expect(out, `${length} bytes`).toEqual(nodeSha256(bytes))
    }
  })

  it('hashes up to a full area of 64-byte messages in one call, each digest in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: sha256WasmLayout.pairsMax }),
        fc.nat(),
        (count, seed) => {
          const { pairs, digests } = sha256WasmLayout
          const messages = Uint8Array.from(
            { length: 64 * count },
            (_, i) => (i * 131 + seed) & 0xff,
          )
          kernel.memory.set(messages, pairs)
          kernel.hashPairs(count)
          for (let pair = 0; pair < count; pair++) {
            const digest = kernel.memory.subarray(digests + 32 * pair, digests + 32 * pair + 32)
            expect(digest).toEqual(nodeSha256(messages.subarray(64 * pair, 64 * pair + 64)))
          }
        },
      ),
      { numRuns: 20 },
    )
  })
})
