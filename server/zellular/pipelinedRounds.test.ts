import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { signingFollowers, startedSequencer } from './testNodes.ts'

// The sequencer's lock and finalization rounds run in two lanes: a lock round does not wait for
// the finalization round of the previous lock, and each starts on the report or proof that makes
// it possible, not on the loop's timer (the clock below never moves).

beforeAll(() => initZellular())

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

it('locks the next batches while the finalization round of the previous lock still gathers', async () => {
  const followers = await signingFollowers(cleanups)
  const { node, log, clock, followersReport } = startedSequencer(
    followers.urls,
    {
      pipelineLocks: true,
    },
    cleanups,
  )
  followers.state.holdFinalizations = true
  node.chain.append('a', ['b1', 'b2'], clock.now())
  followersReport()
  // Lock 2 is made, and its finalization round waits for the followers' answers.
  expect(await within(() => followers.heldAnswers.length > 0)).toBe(true)
  expect(log.lastLocked).toBe(2)
  node.chain.append('a', ['b3'], clock.now())
  followersReport()
  const asksLock3 = () => followers.asked.some((p) => p.state === 'sequenced' && p.index === 3)
  expect(await within(asksLock3)).toBe(true)
  expect(await within(() => log.lastLocked === 3)).toBe(true)
  expect(log.lastFinalized).toBe(0)
  // The finalization of 2 ends; the lock of 3, made meanwhile, is finalized right after it.
  followers.release()
  expect(await within(() => log.lastFinalized === 3)).toBe(true)
  const finalizations = followers.asked.filter((point) => point.state === 'locked')
  expect(finalizations.map((point) => point.index)).toEqual([2, 2, 2, 3, 3, 3])
})

it('without pipelined locks, the next lock still waits for the finalization (zsequencer v0.1.7)', async () => {
  const followers = await signingFollowers(cleanups)
  const { node, log, clock, followersReport } = startedSequencer(
    followers.urls,
    {
      pipelineLocks: false,
    },
    cleanups,
  )
  followers.state.holdFinalizations = true
  node.chain.append('a', ['b1', 'b2'], clock.now())
  followersReport()
  expect(await within(() => followers.heldAnswers.length > 0)).toBe(true)
  node.chain.append('a', ['b3'], clock.now())
  followersReport()
  const asksLock3 = () => followers.asked.some((p) => p.state === 'sequenced' && p.index === 3)
  expect(await within(asksLock3, 300)).toBe(false)
  // Once 2 is final, the lock of 3 starts at once: its finalization wakes the lock lane.
  followers.release()
  expect(await within(() => log.lastFinalized === 3)).toBe(true)
})

/** Whether `condition` holds within `ms` of real time (the sockets run on it). */
async function within(condition: () => boolean, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return true
}
