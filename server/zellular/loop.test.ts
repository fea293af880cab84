import { expect, it } from 'vitest'
import { Loop } from './loop.ts'
import { ManualClock } from './testNodes.ts'

it('a wake during a run starts the next run right after it, without the clock moving', async () => {
  const clock = new ManualClock()
  let runs = 0
  let finishRun: () => void = () => {}
  const loop = new Loop(
    50,
    () => {
      runs += 1
      return new Promise<void>((resolve) => (finishRun = resolve))
    },
    clock,
  )
  loop.start()
  loop.wake()
  expect(runs).toBe(1)
  loop.wake() // news while the run is busy: one more run, as soon as this one ends
  finishRun()
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  expect(runs).toBe(2)
  // Nothing new during the second run: the next one waits for the interval.
  finishRun()
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  expect(runs).toBe(2)
  clock.advance(50)
  expect(runs).toBe(3)
  finishRun()
  await loop.stop()
})

it('a wake soon after a run waits out the gap from that run’s start, then runs at once', async () => {
  const clock = new ManualClock()
  let runs = 0
  const loop = new Loop(60_000, async () => void (runs += 1), clock, 10_000)
  loop.start()
  loop.wake()
  await new Promise((resolve) => setImmediate(resolve))
  expect(runs).toBe(1)
  // The run is over: news now (well inside the gap) waits for the gap, not for the interval.
  loop.wake()
  await new Promise((resolve) => setImmediate(resolve))
  expect(runs).toBe(1)
  clock.advance(10_000)
  expect(runs).toBe(2)
  await loop.stop()
})
