import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { sleep } from './sleep.ts'

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

/** Whether `promise` has settled once the microtasks queued now have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false
  promise.then(
    () => (done = true),
    () => (done = true),
  )
  await vi.advanceTimersByTimeAsync(0)
  return done
}

it('resolves after the time, not before', async () => {
  const pause = sleep(1_000)
  await vi.advanceTimersByTimeAsync(999)
  expect(await settled(pause)).toBe(false)
  await vi.advanceTimersByTimeAsync(1)
  expect(await settled(pause)).toBe(true)
})

it('resolves as soon as its signal aborts, and leaves no timer behind', async () => {
  const controller = new AbortController()
  const pause = sleep(60_000, controller.signal)
  expect(await settled(pause)).toBe(false)
  controller.abort()
  expect(await settled(pause)).toBe(true)
  expect(vi.getTimerCount()).toBe(0)
})

it('resolves at once on a signal already aborted', async () => {
  const controller = new AbortController()
  controller.abort()
  expect(await settled(sleep(60_000, controller.signal))).toBe(true)
  expect(vi.getTimerCount()).toBe(0)
})
