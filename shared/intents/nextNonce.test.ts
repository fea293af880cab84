import { expect, it } from 'vitest'
import { nextNonce } from './nextNonce.ts'

it('is the time in ms, and strictly above the previous nonce when the clock is not', () => {
  expect(nextNonce(1_800_000_000_000.7, undefined)).toBe(1_800_000_000_000n)
  expect(nextNonce(1_800_000_000_005, 1_800_000_000_000n)).toBe(1_800_000_000_005n)
  // Same millisecond, or a clock set back: one above the last.
  expect(nextNonce(1_800_000_000_000, 1_800_000_000_000n)).toBe(1_800_000_000_001n)
  expect(nextNonce(1_700_000_000_000, 1_800_000_000_001n)).toBe(1_800_000_000_002n)
})
