import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import type { NodeConfig } from './config.ts'
import type { ZellularNode } from './node.ts'
import { makeTestNode, ManualClock } from './testNodes.ts'

// With `wakeOnWork` every answered PUT wakes the sequencer's rounds, so while every batch is
// finalized they need not run every sync interval: an idle network costs CPU for nothing.

beforeAll(() => initZellular())

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A started sequencer on a manual clock; `run` moves the clock, letting each round finish. */
function startedSequencer(config: Partial<NodeConfig>, stub: (node: ZellularNode) => void) {
  const clock = new ManualClock()
  const { node, ids } = makeTestNode({
    position: 0,
    config: { fetchAppsAndNodesIntervalMs: 3_600_000, ...config },
    clock,
  })
  expect(node.role.isSequencer).toBe(true)
  stub(node)
  node.start()
  cleanups.push(async () => {
    await node.stop()
    node.close()
  })
  /** Moves the clock `ms` in 50 ms steps, letting each round finish. */
  const run = async (ms: number) => {
    for (let passed = 0; passed < ms; passed += 50) {
      clock.advance(50)
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return { node, ids, clock, run }
}

/** A sequencer whose rounds only count themselves. */
function countingSequencer(wakeOnWork: boolean) {
  const rounds = { lock: 0, finalize: 0 }
  const started = startedSequencer({ wakeOnWork, syncIntervalMs: 50 }, (node) => {
    node.synchronizer.lock = async () => {
      rounds.lock += 1
      return undefined
    }
    node.synchronizer.finalize = async () => {
      rounds.finalize += 1
    }
  })
  return { ...started, rounds }
}

/** A sequencer whose posting rounds only count themselves (its own rounds do nothing). */
function countingPoster(wakeOnWork: boolean) {
  const posts = { count: 0 }
  const started = startedSequencer({ wakeOnWork, nodeLoopIntervalMs: 50 }, (node) => {
    node.poster.post = async () => {
      posts.count += 1
      return undefined
    }
    node.synchronizer.lock = async () => undefined
    node.synchronizer.finalize = async () => {}
  })
  return { ...started, posts }
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

it('the sequencer posts nothing, so its posting loop wakes once a second; a new role wakes it at once', async () => {
  const { node, posts, run, ids } = countingPoster(true)
  await run(3_000)
  // Before, every 50 ms: 60 rounds in 3 s that found nothing to post and nobody to dispute.
  expect(posts.count).toBeLessThanOrEqual(3)
  expect(posts.count).toBeGreaterThanOrEqual(2)
  // Following another node (a switch, a recovery), it posts without waiting out that second:
  // at once, or when the wake gap (5 ms) since its last round is over.
  const before = posts.count
  node.switcher.adopt(ids[1]!)
  await new Promise((resolve) => setImmediate(resolve))
  await run(10)
  expect(posts.count).toBe(before + 1)
})

it('without wakeOnWork the sequencer posting loop keeps its interval', async () => {
  const { posts, run } = countingPoster(false)
  await run(3_000)
  expect(posts.count).toBeGreaterThanOrEqual(55)
})
