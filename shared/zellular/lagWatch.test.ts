import { expect, it } from 'vitest'
import { LagWatch } from './lagWatch.ts'

it('gives the node read maxBehindMs to reach what another node proved finalized', () => {
  const watch = new LagWatch(1_000)
  // Nothing known, or nothing that checked out: never behind.
  watch.learn(undefined, 0, 0)
  expect(watch.overdue(0, 50_000)).toBe(false)
  watch.learn(100, 40, 0)
  expect(watch.overdue(90, 999)).toBe(false)
  expect(watch.overdue(90, 1_000)).toBe(true)
  // The next node gets the whole time again, from where the reader is.
  watch.restart(90, 1_200)
  expect(watch.overdue(95, 2_199)).toBe(false)
  expect(watch.overdue(95, 2_200)).toBe(true)
})

it('sets the next goal once one is reached, and never lowers what it knows', () => {
  const watch = new LagWatch(1_000)
  watch.learn(100, 0, 0)
  // Learnt while a goal runs: it waits for that one, without moving its deadline.
  watch.learn(300, 50, 500)
  watch.learn(200, 50, 600)
  expect(watch.known).toBe(300)
  expect(watch.overdue(100, 900)).toBe(false)
  // 100 reached at 900: 300 is due by 1900.
  expect(watch.overdue(299, 1_899)).toBe(false)
  expect(watch.overdue(299, 1_900)).toBe(true)
  // A reader at or past everything known has no goal, whatever the time.
  watch.restart(300, 2_000)
  expect(watch.overdue(300, 9_000)).toBe(false)
})

it('stops its clock while the caller holds a batch', () => {
  const watch = new LagWatch(1_000)
  watch.learn(100, 0, 0)
  watch.pause(200)
  // Held from 200 to 5200: 200 ms of reading so far, whenever it is asked.
  expect(watch.overdue(10, 5_000)).toBe(false)
  watch.resume(5_200)
  expect(watch.overdue(10, 5_999)).toBe(false)
  expect(watch.overdue(10, 6_000)).toBe(true)
})

it('asks for a probe at once, then once per maxBehindMs and never two at a time', () => {
  const watch = new LagWatch(1_000)
  expect(watch.probeDue(0)).toBe(true)
  expect(watch.probeDue(5_000)).toBe(false) // the first one is still out
  watch.learn(undefined, 0, 5_000)
  expect(watch.probeDue(5_000)).toBe(true)
  watch.learn(10, 0, 5_100)
  expect(watch.probeDue(5_999)).toBe(false)
  expect(watch.probeDue(6_000)).toBe(true)
})
