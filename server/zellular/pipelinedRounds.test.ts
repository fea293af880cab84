import type { ServerResponse } from 'node:http'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { bls, initZellular, syncPointMessage, type SyncPoint } from '../../shared/zellular/index.ts'
import type { NodeConfig } from './config.ts'
import { answer, fakePeer, makeTestNode, ManualClock, testSecrets } from './testNodes.ts'

// The sequencer's lock and finalization rounds run in two lanes: a lock round does not wait for
// the finalization round of the previous lock, and each starts on the report or proof that makes
// it possible, not on the loop's timer (the clock below never moves).

beforeAll(() => initZellular())

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** Three followers that sign every point at once, except finalizations while `held` is set. */
async function signingFollowers() {
  const secrets = testSecrets()
  const asked: SyncPoint[] = []
  const heldAnswers: (() => void)[] = []
  const state = { holdFinalizations: false }
  const peers = await Promise.all(
    [1, 2, 3].map((position) =>
      fakePeer((_request, body, response: ServerResponse) => {
        const point = JSON.parse(body) as SyncPoint
        asked.push(point)
        const signature = bls.formatPoint(bls.sign(secrets[position]!, syncPointMessage(point)))
        const reply = () => answer(response, 200, { status: 'success', data: { signature } })
        if (state.holdFinalizations && point.state === 'locked') heldAnswers.push(reply)
        else reply()
      }),
    ),
  )
  cleanups.push(() => {
    for (const reply of heldAnswers.splice(0)) reply()
    for (const peer of peers) peer.close()
  })
  const release = () => {
    state.holdFinalizations = false
    for (const reply of heldAnswers.splice(0)) reply()
  }
  return { urls: peers.map((peer) => peer.url), asked, state, heldAnswers, release }
}

/** A started sequencer whose three followers are `urls`, on a clock that never moves. */
function startedSequencer(urls: readonly string[], config: Partial<NodeConfig>) {
  const clock = new ManualClock()
  const sockets = ['http://127.0.0.1:1', ...urls]
  const { node, ids } = makeTestNode({ sockets, clock, config })
  node.start()
  cleanups.push(async () => {
    await node.stop()
    node.close()
  })
  const log = node.logs.get('a')
  /** Every follower reports holding the sequencer's whole log, as its PUT would. */
  const followersReport = () => {
    for (const id of ids.slice(1)) {
      node.inbox.accept(id, {
        app_name: 'a',
        batches: [],
        sequenced_index: log.lastSequenced,
        sequenced_chaining_hash: log.chainingHashAt(log.lastSequenced),
        locked_index: 0,
        locked_chaining_hash: log.chainingHashAt(0),
        finalized_index: 0,
      })
    }
  }
  return { node, log, clock, followersReport }
}

it('locks the next batches while the finalization round of the previous lock still gathers', async () => {
  const followers = await signingFollowers()
  const { node, log, clock, followersReport } = startedSequencer(followers.urls, {
    pipelineLocks: true,
  })
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
  const followers = await signingFollowers()
  const { node, log, clock, followersReport } = startedSequencer(followers.urls, {
    pipelineLocks: false,
  })
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
