import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { makeTestNode, ManualClock } from './testNodes.ts'

// With `wakeOnWork` every answered PUT wakes the sequencer's rounds, so while every batch is
// finalized they need not run every sync interval: an idle network costs CPU for nothing.

beforeAll(() => initZellular())

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A started sequencer on a manual clock whose rounds only count themselves. */
function countingSequencer(wakeOnWork: boolean) {
  const clock = new ManualClock()
  const config = { wakeOnWork, syncIntervalMs: 50, fetchAppsAndNodesIntervalMs: 3_600_000 }
  const { node } = makeTestNode({ position: 0, config, clock })
  expect(node.role.isSequencer).toBe(true)
  const rounds = { lock: 0, finalize: 0 }
  node.synchronizer.lock = async () => {
    rounds.lock += 1
    return undefined
  }
  node.synchronizer.finalize = async () => {
    rounds.finalize += 1
  }
  node.start()
  cleanups.push(async () => {
    await node.stop()
    node.close()
  })
  /** Moves the clock `ms` in sync-interval steps, letting each round finish. */
  const run = async (ms: number) => {
    for (let passed = 0; passed < ms; passed += 50) {
      clock.advance(50)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { node, clock, rounds, run }
}

it('an idle sequencer runs its rounds once a second, and every sync interval with batches to finalize', async () => {
  const { node, clock, rounds, run } = countingSequencer(true)
  await run(3_000)
  expect(rounds.lock).toBeLessThanOrEqual(3)
  expect(rounds.finalize).toBeLessThanOrEqual(3)
  expect(rounds.lock).toBeGreaterThanOrEqual(2)
  // A batch not yet finalized: the next round comes within a second, the ones after it every
  // sync interval.
  node.chain.append('a', ['["x"]'], clock.now())
  await run(1_000)
  const before = rounds.lock
  await run(1_000)
  expect(rounds.lock - before).toBeGreaterThanOrEqual(18)
})

it('without wakeOnWork the rounds run every sync interval, idle or not', async () => {
  const { rounds, run } = countingSequencer(false)
  await run(3_000)
  expect(rounds.lock).toBeGreaterThanOrEqual(55)
  expect(rounds.finalize).toBeGreaterThanOrEqual(55)
})
