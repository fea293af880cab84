import { describe, expect, it } from 'vitest'
import { initSha256, Sha256PairBatch, sha256Backend, sha256Bytes, sha256Into } from './sha256.ts'
import { sha256WasmLayout } from './sha256Wasm.ts'
import { nodeSha256 } from './testing.ts'

/** More pairs than the kernel hashes in one call, each written to its own target. */
function expectPairBatchHashes(count: number) {
  const source = Uint8Array.from({ length: 64 * count }, (_, i) => (i * 7) & 0xff)
  const targets = Array.from({ length: count }, () => new Uint8Array(40).fill(0xaa))
  const batch = new Sha256PairBatch()
  for (let pair = 0; pair < count; pair++) batch.add(source, 64 * pair, targets[pair]!, pair % 9)
  batch.flush()
  targets.forEach((target, pair) => {
    const expected = nodeSha256(source.subarray(64 * pair, 64 * pair + 64))
    expect(target.subarray(pair % 9, (pair % 9) + 32)).toEqual(expected)
    expect(target.subarray(0, pair % 9).every((byte) => byte === 0xaa)).toBe(true)
  })
}

// One file: which kernel runs is per process, so the JavaScript one is checked before loading.
describe('sha256 (the state hash kernel in use)', () => {
  it('hashes alike with the JavaScript kernel and, once loaded, the WebAssembly one', async () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
    const count = 2 * sha256WasmLayout.pairsMax + 3
    expect(sha256Backend()).toBe('js')
    expect(sha256Bytes(data)).toEqual(nodeSha256(data))
    expectPairBatchHashes(count)
    await initSha256()
    expect(sha256Backend()).toBe('wasm')
    expect(sha256Bytes(data)).toEqual(nodeSha256(data))
    const out = new Uint8Array(32)
    sha256Into(data, 5, 100, out, 0)
    expect(out).toEqual(nodeSha256(data.subarray(5, 105)))
    expectPairBatchHashes(count)
  })

  it('hashes a message while pairs are queued, without disturbing them', async () => {
    await initSha256()
    const source = Uint8Array.from({ length: 128 }, (_, i) => i)
    const target = new Uint8Array(64)
    const batch = new Sha256PairBatch()
    batch.add(source, 0, target, 0)
    expect(sha256Bytes(source)).toEqual(nodeSha256(source))
    batch.add(source, 64, target, 32)
    batch.flush()
    expect(target.subarray(0, 32)).toEqual(nodeSha256(source.subarray(0, 64)))
    expect(target.subarray(32)).toEqual(nodeSha256(source.subarray(64)))
  })
})
