import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { emptyLogPut, makeTestNode } from './testNodes.ts'

// `ZSEQUENCER_ROUND_GAP` (`roundGapMs`) paces the sequencer's rounds: however often followers'
// reports wake them, two rounds of a lane start at least the gap apart.

beforeAll(() => initZellular())

const report = emptyLogPut()

/** Lock rounds of a sequencer whose answers to a follower wake it every ~5 ms for 600 ms. */
async function lockRoundsWoken(roundGapMs: number): Promise<number> {
  const { node, ids } = makeTestNode({
    position: 0,
    // Timers alone would run no round in the time measured: only the wakes do.
    config: { roundGapMs, syncIntervalMs: 60_000, fetchAppsAndNodesIntervalMs: 3_600_000 },
  })
  let rounds = 0
  node.synchronizer.lock = async () => {
    rounds += 1
    return undefined
  }
  node.synchronizer.finalize = async () => {}
  node.start()
  try {
    const until = performance.now() + 600
    while (performance.now() < until) {
      node.inbox.answer(ids[1]!, report)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  } finally {
    await node.stop()
    node.close()
  }
  return rounds
}

it("keeps the round gap between the sequencer's rounds however often reports wake them", async () => {
  expect(await lockRoundsWoken(0)).toBeGreaterThan(10)
  // 600 ms at least 200 ms apart: the first round and at most three more.
  expect(await lockRoundsWoken(200)).toBeLessThanOrEqual(4)
})
