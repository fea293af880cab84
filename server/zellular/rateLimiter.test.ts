import { expect, it } from 'vitest'
import { SlidingWindowLimiter } from './rateLimiter.ts'

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
