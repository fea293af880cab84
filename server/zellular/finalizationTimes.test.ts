import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import {
  bls,
  finalizationVoteMessage,
  initZellular,
  type SyncPoint,
} from '../../shared/zellular/index.ts'
import { AppLogs } from './appLogs.ts'
import type { NodeConfig } from './config.ts'
import { unixSeconds } from './clock.ts'
import { signFinalizationVote, signSyncPoint, type SignFinalizationVoteRequest } from './signer.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import { PeerClient } from './peers.ts'
import { waitFor } from './testing.ts'
import { createNodeApp } from './routes.ts'
import {
  emptyLogPut,
  makeTestNode,
  signedProof,
  signedTimeLock,
  signingFollowers,
  startedSequencer,
  testSecrets,
} from './testNodes.ts'

beforeAll(() => initZellular())

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/**
 * A follower (position 1) over a batch store in a folder of its own, holding batches 1–3 of app
 * `a` locked (by a lock proof) with nothing finalized: ready to vote on finalizing 3 on parent 0.
 */
function lockedFollower(dataDir = mkdtempSync(join(tmpdir(), 'finalization-times-'))) {
  const logs = AppLogs.open(dataDir)
  const { node } = makeTestNode({ position: 1, logs })
  cleanups.push(() => node.close())
  const log = node.logs.get('a')
  if (log.lastSequenced === 0) log.append(['b1', 'b2', 'b3'])
  const now = unixSeconds(node.context.clock)
  const at = (index: number, timestamp = now): SyncPoint => ({
    app_name: 'a',
    state: 'locked',
    index,
    chaining_hash: log.chainingHashAt(index),
    parent_index: 0,
    timestamp,
  })
  const lockProof = { ...at(3, 0), state: 'sequenced' as const, tag: 0 }
  const lock3 = { ...lockProof, ...signedProof(lockProof, [0, 2, 3]) }
  const vote = (point: SyncPoint, view: number, extra: object = {}) =>
    signFinalizationVote(node.context, node.logs, node.chain, {
      ...toVote(point, view),
      proofs: [lock3],
      ...extra,
    })
  const finalize = (point: SyncPoint, view: number) =>
    signSyncPoint(node.context, node.logs, node.chain, {
      ...point,
      proofs: [lock3],
      time_lock: signedTimeLock(point, view),
    })
  return { node, dataDir, now, at, vote, finalize, lock3 }
}

function toVote(point: SyncPoint, view: number): SignFinalizationVoteRequest {
  const { app_name, parent_index, index, chaining_hash, timestamp } = point
  return { app_name, parent_index, index, chaining_hash, timestamp, view }
}

/**
 * The lock a refusal sends its sequencer (`data.locked` of the error envelope on the wire), or
 * what it threw when that is not a refusal with a lock.
 */
function lockSentWith(refused: () => unknown): unknown {
  try {
    refused()
  } catch (error) {
    const wire = error instanceof ZsequencerHttpError ? error.toJSON() : undefined
    return (wire as { data?: { locked?: unknown } } | undefined)?.data?.locked ?? error
  }
  throw new Error('not refused')
}

it('votes once per view, in rising views, and remembers its votes across a restart', () => {
  const { node, dataDir, now, at, vote } = lockedFollower()
  const view = now * 1000
  const signed = vote(at(3), view)
  const publicKey = node.context.network.operator(node.id)!.publicKey
  const message = finalizationVoteMessage({ ...toVote(at(3), view), app_name: 'a' })
  expect(bls.verify(bls.parseG1(signed.signature), publicKey, message)).toBe(true)
  // Another value in the same view, or any value in an earlier one: refused.
  expect(() => vote(at(3, now - 1), view)).toThrow(/Already voted/)
  expect(() => vote(at(2), view - 1)).toThrow(/Already voted/)
  expect(vote(at(2), view + 1).index).toBe(2)
  // As a sequencer it would propose past its own votes, even with a clock behind them.
  expect(node.logs.times.nextView('a', 0, view)).toBe(view + 2)
  expect(node.logs.times.nextView('a', 3, view)).toBe(view)
  node.close()
  // Restarted over the same store, it has not forgotten the view it voted in.
  const again = lockedFollower(dataDir)
  expect(() => again.vote(at(3, now - 1), view + 1)).toThrow(/Already voted/)
  expect(again.vote(at(3, now - 1), view + 2).timestamp).toBe(now - 1)
})

it('once it signed a finalization, votes only for its value unless shown a later lock', () => {
  const { dataDir, now, at, vote, finalize } = lockedFollower()
  const view = now * 1000
  vote(at(3), view)
  finalize(at(3), view)
  // A second finalization of the same parent a second later: refused, with the lock that binds.
  const later = at(3, now + 1)
  const locked = lockSentWith(() => vote(later, view + 1))
  expect(locked).toMatchObject({ index: 3, timestamp: now, view })
  // The same value again in a later view, as a new sequencer proposes it: voted.
  expect(vote(at(3), view + 10).timestamp).toBe(now)
  // A lock on another value from a view no later than its own does not unlock it.
  const other = at(2, now + 2)
  expect(
    lockSentWith(() => vote(other, view + 11, { justification: signedTimeLock(other, view) })),
  ).toMatchObject({ index: 3 })
  // It survives a restart.
  const again = lockedFollower(dataDir)
  expect(lockSentWith(() => again.vote(at(3, now + 2), view + 12))).toMatchObject({ index: 3 })
})

it('signs a finalization only with a time lock for exactly its value, and locks on the latest', () => {
  const { now, at, vote, finalize, node, lock3 } = lockedFollower()
  const view = now * 1000
  const request = (point: SyncPoint, lockedPoint: SyncPoint) => () =>
    signSyncPoint(node.context, node.logs, node.chain, {
      ...point,
      time_lock: signedTimeLock(lockedPoint, view),
    })
  expect(() => signSyncPoint(node.context, node.logs, node.chain, at(3))).toThrow(/time lock/)
  expect(request(at(3), at(3, now - 1))).toThrow(/another finalization/)
  expect(request(at(3), at(2))).toThrow(/another finalization/)
  const forged = { ...signedTimeLock(at(3), view, [0, 2]) }
  expect(() =>
    signSyncPoint(node.context, node.logs, node.chain, {
      ...at(3),
      proofs: [lock3],
      time_lock: forged,
    }),
  ).toThrow(/does not verify/)
  finalize(at(3), view)
  // Locked on 3 from `view`: a finalization of 2 under a lock from that view or before is refused.
  expect(lockSentWith(() => finalize(at(2), view))).toMatchObject({ index: 3 })
  // A lock from a later view binds it instead (no threshold can have signed 3 then).
  finalize(at(2), view + 5)
  expect(lockSentWith(() => vote(at(3), view + 6))).toMatchObject({ index: 2, view: view + 5 })
})

it('checks a new time against its clock, keeps a proposed-again one, and refuses far views', () => {
  const { now, at, vote } = lockedFollower()
  const view = now * 1000
  expect(() => vote(at(3, now - 10), view)).toThrow(/out of range/)
  expect(() => vote(at(3), view + 11_000)).toThrow(/ahead/)
  const old = at(3, now - 60)
  const justification = signedTimeLock(old, view - 60_000)
  expect(vote(old, view, { justification }).timestamp).toBe(now - 60)
  // A justification must be for the value voted and verify.
  expect(() => vote(at(3, now - 59), view + 1, { justification })).toThrow(/another/)
  const unsigned = { ...justification, signature: signedTimeLock(at(2), view).signature }
  expect(() => vote(old, view + 2, { justification: unsigned })).toThrow(/does not verify/)
})

it('a sequencer finalizes again the value followers are locked on, with its time', async () => {
  // A sequencer fell after followers 1 and 2 signed a finalization of 2 on parent 0 (a reader
  // may hold it); this node, the next sequencer, does not know it. A new time would give
  // batches 1–2 another time than that proof says.
  const followers = await signingFollowers(cleanups)
  const { node, log, clock, followersReport } = startedSequencer(followers.urls, {}, cleanups)
  node.chain.append('a', ['b1', 'b2', 'b3'], clock.now())
  const now = unixSeconds(clock)
  const earlier: SyncPoint = {
    app_name: 'a',
    state: 'locked',
    index: 2,
    chaining_hash: log.chainingHashAt(2),
    parent_index: 0,
    timestamp: now - 7,
  }
  const lock = signedTimeLock(earlier, (now - 7) * 1000, [0, 1, 2])
  followers.state.lockedOn.set(1, lock)
  followers.state.lockedOn.set(2, lock)
  followersReport()
  await waitFor(() => log.lastFinalized >= 2, 5_000, 5)
  expect(log.get(2)?.timestamp).toBe(now - 7)
  // It first proposed its own value, learned the lock from the refusals, and finalized that.
  expect(new Set(followers.votes.map((vote) => `${vote.index} ${vote.timestamp}`))).toEqual(
    new Set([`3 ${now}`]),
  )
  const finalizations = followers.asked.filter((point) => point.state === 'locked')
  expect(finalizations.map((point) => [point.index, point.timestamp])[0]).toEqual([2, now - 7])
})

it('votes with a lock it signs when asked to, and signs the lock alone when it may not vote', () => {
  const { node, now, at, vote } = lockedFollower()
  const lock = { ...at(3, 0), state: 'sequenced' as const }
  const view = now * 1000
  const signed = signSyncPoint(node.context, node.logs, node.chain, {
    ...lock,
    vote: { timestamp: now, view },
  })
  const publicKey = node.context.network.operator(node.id)!.publicKey
  const message = finalizationVoteMessage({ ...toVote(at(3), view), app_name: 'a' })
  expect(bls.verify(bls.parseG1(signed.vote_signature!), publicKey, message)).toBe(true)
  // It voted in that view: asked again, it signs the lock without a vote.
  const again = signSyncPoint(node.context, node.logs, node.chain, {
    ...lock,
    vote: { timestamp: now + 1, view },
  })
  expect(again.signature).toBe(signed.signature)
  expect(again).not.toHaveProperty('vote_signature')
  expect(() => vote(at(3, now + 1), view)).toThrow(/Already voted/)
})

it('a sequencer finalizes with the votes its lock round brought, with no vote round', async () => {
  const followers = await signingFollowers(cleanups)
  const { node, log, clock, followersReport } = startedSequencer(followers.urls, {}, cleanups)
  node.chain.append('a', ['b1'], clock.now())
  followersReport()
  await waitFor(() => log.lastFinalized === 1, 5_000, 5)
  // Counted from the second batch: the first requests to each peer also derive its MAC key.
  const before = bls.pairingChecks()
  node.chain.append('a', ['b2'], clock.now())
  followersReport()
  await waitFor(() => log.lastFinalized === 2, 5_000, 5)
  expect(followers.votes).toEqual([])
  // The lock's aggregate and the votes' are checked together, then the finalization's (the fake
  // followers check nothing).
  expect(bls.pairingChecks() - before).toBe(2)
  const finalization = followers.asked.find((point) => point.state === 'locked') as
    (SyncPoint & { time_lock?: { view: number; timestamp: number } }) | undefined
  expect(finalization?.time_lock).toMatchObject({
    view: clock.now(),
    timestamp: finalization?.timestamp,
  })
  expect(log.get(2)?.timestamp).toBe(unixSeconds(clock))
})

/**
 * A started sequencer holding two batches whose batch store refuses every write of the votes, as
 * a full disk does (a real SQLite error), and `put`, a PUT of its first follower reporting them.
 */
async function sequencerWithFullStore(config: Partial<NodeConfig>) {
  const db = new Database(':memory:')
  const logs = new AppLogs(db)
  db.exec(`CREATE TRIGGER full BEFORE INSERT ON finalization_times
    BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`)
  const followers = await signingFollowers(cleanups)
  const started = startedSequencer(followers.urls, config, cleanups, logs)
  const { node, log, clock, ids } = started
  node.chain.append('a', ['b1', 'b2'], clock.now())
  const follower = new PeerClient(ids[1]!, testSecrets()[1]!, 'v0.1.7', node.context.network, {
    now: clock.now,
  })
  const path = '/sequencer/batches'
  const report = { sequenced_index: 2, sequenced_chaining_hash: log.chainingHashAt(2) }
  const put = (wait?: number) => {
    const body = JSON.stringify(emptyLogPut([], { ...report, wait_ms: wait }))
    const headers = follower.signedHeaders('PUT', node.id, path, body)
    return createNodeApp(node).request(path, { method: 'PUT', body, headers })
  }
  return { ...started, put }
}

it('a sequencer whose store cannot keep its vote refuses its followers, so they replace it', async () => {
  const { node, log, followersReport, put } = await sequencerWithFullStore({})
  followersReport()
  await waitFor(() => node.synchronizer.cannotStore, 5_000, 5)
  expect(log.lastFinalized).toBe(0)
  // A follower's PUT is refused as by a sequencer that is down: it disputes it at once.
  const response = await put()
  expect(response.status).toBe(503)
  expect(await response.json()).toMatchObject({ error: { code: 'NotSyncedError' } })
})

it("a sequencer whose store fails while it holds a follower's PUT ends the hold at once", async () => {
  // An idle follower's PUT is held until news or the hold's end (seconds). A sequencer that
  // finds it cannot store a finalization refuses the next PUTs; one it already held went on
  // until its hold ended, so its follower noticed late (chaos seed 410: 3 s, when a dispute
  // for the withheld finalization replaced it first).
  const holds = { followerHoldMs: 20_000, followerIdleHoldMs: 20_000 }
  const { node, followersReport, put } = await sequencerWithFullStore(holds)
  // The follower holds both batches and asks to hear of the next news: there is none yet.
  const held = put(20_000)
  followersReport() // the lock round; its vote cannot be stored
  await waitFor(() => node.synchronizer.cannotStore, 5_000, 5)
  const late = new Promise<undefined>((resolve) => setTimeout(resolve, 5_000))
  const answered = await Promise.race([held, late])
  expect(answered?.status).toBe(200)
  // Its next PUT is refused as by a sequencer that is down.
  expect((await put()).status).toBe(503)
})
