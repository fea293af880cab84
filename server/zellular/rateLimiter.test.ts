import { BATCH_COST_MIN_BYTES } from '../../shared/zellular/index.ts'
import { expect, it } from 'vitest'
import { batchCostBytes, bodyKb, sizeKb, SlidingWindowLimiter } from './rateLimiter.ts'

it('charges each key within its budget over the last window', () => {
  let now = 1_000
  const limiter = new SlidingWindowLimiter(10, 1_000, () => now)
  expect(limiter.tryCharge('a', 6)).toBe(true)
  now += 500
  expect(limiter.tryCharge('a', 4)).toBe(true)
  expect(limiter.tryCharge('a', 0.5)).toBe(false)
  expect(limiter.remainingKb('a')).toBe(0)
  expect(limiter.tryCharge('b', 10)).toBe(true) // another key has its own budget
  now += 500 // the first charge leaves the window
  expect(limiter.remainingKb('a')).toBe(6)
  now += 500
  expect(limiter.remainingKb('a')).toBe(10)
})

it('forgets keys whose charges left the window', () => {
  let now = 0
  const limiter = new SlidingWindowLimiter(10, 1_000, () => now)
  for (let i = 0; i < 1_000; i++) limiter.charge(`client-${i}`, 1)
  expect(limiter.keys).toBe(1_000)
  now += 999
  limiter.charge('late', 1)
  expect(limiter.keys).toBe(1_001)
  now += 1
  expect(limiter.keys).toBe(1)
  expect(limiter.remainingKb('late')).toBe(9)
  now += 1_000
  expect(limiter.keys).toBe(0)
})

it('says how long until a charge fits', () => {
  let now = 0
  const limiter = new SlidingWindowLimiter(10, 1_000, () => now)
  expect(limiter.msUntilFits('a', 4)).toBe(0)
  limiter.charge('a', 6)
  now = 300
  limiter.charge('b', 10)
  limiter.charge('a', 3)
  expect(limiter.msUntilFits('a', 1)).toBe(0)
  expect(limiter.msUntilFits('a', 2)).toBe(700) // once the first charge leaves the window
  expect(limiter.msUntilFits('a', 8)).toBe(1_000) // once both have
  expect(limiter.msUntilFits('a', 11)).toBe(Infinity)
})

it('costs a batch its UTF-8 bytes and JSON framing, and at least a fixed amount', () => {
  expect(batchCostBytes('')).toBe(BATCH_COST_MIN_BYTES)
  expect(batchCostBytes('x'.repeat(BATCH_COST_MIN_BYTES))).toBe(BATCH_COST_MIN_BYTES + 3)
  expect(batchCostBytes('é'.repeat(1000))).toBe(2003)
  expect(sizeKb('é'.repeat(1000))).toBe(2003 / 1024)
  // The cap on one batch is on its bytes alone, as in zsequencer.
  expect(bodyKb('é'.repeat(1000))).toBe(2000 / 1024)
})
