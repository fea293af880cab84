import { afterEach, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { emptyLogPut, signingFollowers, startedSequencer } from './testNodes.ts'

// A follower that says it holds a lock request for batches on their way to it (`sign_wait_ms`)
// is asked to lock what the sequencer answered it, without waiting for its next report: the
// request travels beside the answer instead of after a report of it.

beforeAll(() => initZellular())

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** A started sequencer with pipelined locks whose three followers sign every point. */
async function sequencerWithSigners() {
  const { urls, asked } = await signingFollowers(cleanups)
  const { node, ids, log } = startedSequencer(urls, { pipelineLocks: true }, cleanups)
  return { node, followers: ids.slice(1), asked, log }
}

/** A follower's PUT reporting an empty log. */
function put(batches: string[], signWaitMs: number | undefined) {
  return emptyLogPut(batches, signWaitMs === undefined ? {} : { sign_wait_ms: signWaitMs })
}

it('locks batches once answered to followers that wait for them, before they report them', async () => {
  const { node, followers, asked, log } = await sequencerWithSigners()
  const [first, ...others] = followers as [string, string, string]
  // The others' PUTs are held (nothing new); the first one brings two batches.
  for (const id of others) node.inbox.accept(id, put([], 1_000))
  node.inbox.accept(first, put(['b1', 'b2'], 1_000))
  // The held PUTs are answered with the news, as the route does when the bell rings.
  for (const id of others) node.inbox.answer(id, put([], 1_000))
  expect(await within(() => log.lastLocked === 2)).toBe(true)
  expect(asked.find((point) => point.state === 'sequenced')?.index).toBe(2)
  // The lock's signers hold the batches: they finalize it without a report either.
  expect(await within(() => log.lastFinalized === 2)).toBe(true)
})

it('waits for the reports of followers that do not say they wait (zsequencer)', async () => {
  const { node, followers, asked, log } = await sequencerWithSigners()
  const [first, ...others] = followers as [string, string, string]
  for (const id of others) node.inbox.accept(id, put([], undefined))
  node.inbox.accept(first, put(['b1', 'b2'], undefined))
  for (const id of others) node.inbox.answer(id, put([], undefined))
  expect(await within(() => asked.length > 0, 300)).toBe(false)
  // Their next PUTs report the batches: now the lock is asked for.
  for (const id of followers) {
    node.inbox.accept(id, {
      ...put([], undefined),
      sequenced_index: 2,
      sequenced_chaining_hash: log.chainingHashAt(2),
    })
  }
  expect(await within(() => log.lastFinalized === 2)).toBe(true)
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

it('answers the PUT before the rounds it wakes start their signing work', async () => {
  // A round's start signs a request per party member (BLS, milliseconds each): done inside the
  // PUT handler, it held the follower's answer back by that much.
  const { node, followers, asked, log } = await sequencerWithSigners()
  const sends: string[] = []
  const send = node.context.peers.send.bind(node.context.peers)
  node.context.peers.send = (method, target, path, payload, timeoutMs, signal) => {
    sends.push(path)
    return send(method, target, path, payload, timeoutMs, signal)
  }
  const [first, second] = followers as [string, string, string]
  node.inbox.accept(second, put([], 1_000))
  node.inbox.accept(first, put(['b1'], 1_000))
  await new Promise((resolve) => setTimeout(resolve, 20))
  // The second follower's held PUT is answered: with the first, a threshold holds batch 1.
  node.inbox.answer(second, put([], 1_000))
  expect(sends).toEqual([])
  expect(await within(() => log.lastLocked === 1)).toBe(true)
  expect(asked.length).toBeGreaterThan(0)
})

it('stops presuming a waiting follower that refused what it was presumed to sign', async () => {
  // A Byzantine follower can claim it waits to sign and then refuse every lock it is presumed to
  // hold. A refusal from a presumed signer is not taken as withholding (the news may still be on
  // its way), so it was presumed again in every round, each of which then failed.
  const { urls, refused, state } = await signingFollowers(cleanups)
  state.refusing.add(3)
  const { node, ids, log } = startedSequencer(urls, { pipelineLocks: true }, cleanups)
  const [first, second, liar] = ids.slice(1) as [string, string, string]
  node.inbox.accept(liar, put([], 1_000))
  node.inbox.accept(first, put(['b1', 'b2'], 1_000))
  node.inbox.answer(liar, put([], 1_000))
  expect(await within(() => refused.length === 1)).toBe(true)
  // More batches, answered to both waiting followers: only the honest one is presumed now.
  const reportingTwo = {
    ...put(['b3'], 1_000),
    sequenced_index: 2,
    sequenced_chaining_hash: log.chainingHashAt(2),
  }
  node.inbox.accept(first, reportingTwo)
  node.inbox.answer(liar, put([], 1_000))
  expect(await within(() => refused.length > 1, 300)).toBe(false)
  // The other honest follower reports the batches: the honest two lock them.
  node.inbox.accept(second, {
    ...put([], undefined),
    sequenced_index: 3,
    sequenced_chaining_hash: log.chainingHashAt(3),
  })
  expect(await within(() => log.lastLocked === 3)).toBe(true)
  expect(refused).toHaveLength(1)
})

it('suspects a waiting follower that gave no answer at all, not only its presumption', async () => {
  // A refusal from a presumed signer may be news still on its way; silence is not. A paused
  // follower presumed in a lock round lost only its presumption, so a later round counting it by
  // its report asked it again and waited out its whole timeout once more (chaos seed 406: a
  // lock and then its finalization each waited 2 s for the same paused node).
  const { urls, state, silentlyHeld } = await signingFollowers(cleanups)
  state.silent.add(3)
  const config = { pipelineLocks: true, aggregationTimeoutMs: 300 }
  const { node, ids } = startedSequencer(urls, config, cleanups)
  const [first, , paused] = ids.slice(1) as [string, string, string]
  node.inbox.accept(paused, put([], 1_000))
  node.inbox.accept(first, put(['b1', 'b2'], 1_000))
  node.inbox.answer(paused, put([], 1_000))
  expect(await within(() => silentlyHeld.length === 1)).toBe(true)
  expect(await within(() => node.synchronizer.isSuspected(paused))).toBe(true)
  expect(node.synchronizer.isSuspected(first)).toBe(false)
})
