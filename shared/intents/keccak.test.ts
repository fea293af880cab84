import fc from 'fast-check'
import { bytesToHex, keccak256 } from 'viem'
import { expect, it } from 'vitest'
import { initKeccak, keccak256Bytes, keccak256Hex } from './keccak.ts'

it('gives the same digests with and without the WebAssembly hasher', async () => {
  const inputs = fc.sample(fc.uint8Array({ maxLength: 700 }), 300)
  const before = inputs.map((input) => keccak256Bytes(input))
  await initKeccak()
  inputs.forEach((input, i) => {
    expect(keccak256Bytes(input)).toEqual(before[i])
    expect(keccak256Bytes(input)).toEqual(keccak256(input, 'bytes'))
    expect(keccak256Hex(input)).toBe(bytesToHex(keccak256(input, 'bytes')))
  })
})
