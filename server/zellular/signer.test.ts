import { beforeAll, expect, it } from 'vitest'
import { bls, initZellular, syncPointMessage, type SyncPoint } from '../../shared/zellular/index.ts'
import { unixSeconds } from './clock.ts'
import { signSyncPoint, signSyncPointWhenHeld, type SignSyncPointRequest } from './signer.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import { makeTestNode, signedProof, signedTimeLock, syncedFollower } from './testNodes.ts'

beforeAll(async () => {
  await initZellular()
})

/**
 * A follower holding batches 1–4 of app `a` with batch 1 finalized, while the sequencer has
 * already finalized 2 (its proof still on its way to this follower) and locked 4.
 */
function followerOneFinalizationBehind() {
  const { node } = makeTestNode({ position: 1 })
  const log = node.logs.get('a')
  log.append(['b1', 'b2', 'b3', 'b4'])
  const now = unixSeconds(node.context.clock)
  const point = (state: SyncPoint['state'], index: number, parent: number, timestamp: number) => ({
    app_name: 'a',
    state,
    index,
    chaining_hash: log.chainingHashAt(index),
    parent_index: parent,
    timestamp,
  })
  const proof = (at: SyncPoint, signers = [0, 2, 3]) => ({
    ...at,
    tag: 0,
    ...signedProof(at, signers),
  })
  const refusal = node.chain.promote('a', proof(point('locked', 1, 0, now - 2)))
  if (refusal) throw new Error(refusal)
  const finalization2 = proof(point('locked', 2, 1, now - 1))
  const lock4 = proof(point('sequenced', 4, 2, 0))
  return { node, log, now, point, proof, finalization2, lock4 }
}

function signs(node: ReturnType<typeof makeTestNode>['node'], request: SignSyncPointRequest) {
  const signed = signSyncPoint(node.context, node.logs, node.chain, request)
  const publicKey = node.context.network.operator(node.id)!.publicKey
  return bls.verify(bls.parseG1(signed.signature), publicKey, syncPointMessage(request))
}

it('signs a lock on a finalization it has not seen yet when the request carries its proof', () => {
  const { node, log, point, finalization2 } = followerOneFinalizationBehind()
  try {
    const lock = point('sequenced', 4, 2, 0)
    // Without the proof: zsequencer's rule, the parent must be this node's last finalization.
    expect(() => signSyncPoint(node.context, node.logs, node.chain, lock)).toThrow(/parent/)
    expect(signs(node, { ...lock, proofs: [finalization2] })).toBe(true)
    expect(log.lastFinalized).toBe(2)
  } finally {
    node.close()
  }
})

it('signs a finalization of a lock it has not seen yet when the request carries the proofs', () => {
  const { node, log, now, point, finalization2, lock4 } = followerOneFinalizationBehind()
  try {
    const finalization = {
      ...point('locked', 4, 2, now),
      time_lock: signedTimeLock(point('locked', 4, 2, now), now * 1000),
    }
    expect(() => signSyncPoint(node.context, node.logs, node.chain, finalization)).toThrow()
    const before = bls.pairingChecks()
    signSyncPoint(node.context, node.logs, node.chain, {
      ...finalization,
      proofs: [finalization2, lock4],
    })
    // The two carried proofs and the time lock are checked together.
    expect(bls.pairingChecks() - before).toBe(1)
    expect([log.lastFinalized, log.lastLocked]).toEqual([2, 4])
    expect(signs(node, finalization)).toBe(true)
  } finally {
    node.close()
  }
})

it('a time lock that does not verify is refused, and the proofs it came with still apply', () => {
  const { node, log, now, point, proof, lock4 } = followerOneFinalizationBehind()
  try {
    // Batch 2 finalized here already: the lock is the only carried proof this node needs.
    expect(node.chain.promote('a', proof(point('locked', 2, 1, now - 1)))).toBeNull()
    const finalization = point('locked', 4, 2, now)
    const forgedLock = { ...signedTimeLock(finalization, now * 1000), view: now * 1000 + 1 }
    const request = { ...finalization, proofs: [lock4], time_lock: forgedLock }
    expect(() => signSyncPoint(node.context, node.logs, node.chain, request)).toThrow(
      /time lock does not verify/,
    )
    expect(log.lastLocked).toBe(4)
    const timeLock = signedTimeLock(finalization, now * 1000)
    expect(signs(node, { ...finalization, time_lock: timeLock })).toBe(true)
  } finally {
    node.close()
  }
})

it('applies nothing from a carried proof that does not verify, or is not the one needed', () => {
  const { node, log, point, proof, finalization2 } = followerOneFinalizationBehind()
  try {
    const lock = point('sequenced', 4, 2, 0)
    const forged = {
      ...finalization2,
      signature: signedProof(point('locked', 3, 1, 0), [0, 2, 3]).signature,
    }
    expect(() =>
      signSyncPoint(node.context, node.logs, node.chain, { ...lock, proofs: [forged] }),
    ).toThrow(/parent/)
    // A valid finalization, but of another index than the request's parent: not taken.
    const other = proof(point('locked', 3, 1, finalization2.timestamp))
    expect(() =>
      signSyncPoint(node.context, node.logs, node.chain, { ...lock, proofs: [other] }),
    ).toThrow(/parent/)
    expect(log.lastFinalized).toBe(1)
  } finally {
    node.close()
  }
})

it('signs a lock whose parent is an older finalization, but no finalization on an old parent', () => {
  // The sequencer asked for lock 4 on parent 1 while its finalization round of 2 still ran, and
  // that finalization reached this node first (pipelined rounds, `synchronizer.ts`).
  const { node, now, point, finalization2 } = followerOneFinalizationBehind()
  try {
    expect(node.chain.promote('a', finalization2)).toBeNull()
    expect(signs(node, point('sequenced', 4, 1, 0))).toBe(true)
    // Finalizations stay a chain: each names the one before it.
    const finalization = {
      ...point('locked', 3, 1, now),
      time_lock: signedTimeLock(point('locked', 3, 1, now), now * 1000),
    }
    expect(() => signSyncPoint(node.context, node.logs, node.chain, finalization)).toThrow(/parent/)
    // A parent beyond this node's last finalization is still refused.
    expect(() =>
      signSyncPoint(node.context, node.logs, node.chain, point('sequenced', 4, 3, 0)),
    ).toThrow(/parent/)
  } finally {
    node.close()
  }
})

it('holds a lock request for batches not taken in yet, up to its wait, then signs or refuses', async () => {
  // The sequencer asks for a lock as soon as it has answered the batches to this node, and the
  // answer may be taken in after the request (`signWaitMs`).
  const { node: probe } = makeTestNode({ position: 2 })
  probe.logs.get('a').append(['b1', 'b2', 'b3'])
  const hashAt = (index: number) => probe.logs.get('a').chainingHashAt(index)
  probe.close()
  const { node, ids } = makeTestNode({ position: 1, config: { signWaitMs: 300 } })
  try {
    const lock = (index: number) => ({
      app_name: 'a',
      state: 'sequenced' as const,
      index,
      chaining_hash: hashAt(index),
      parent_index: 0,
      timestamp: 0,
    })
    const signing = signSyncPointWhenHeld(
      node.context,
      node.logs,
      node.chain,
      node.progress,
      lock(2),
      ids[0]!,
      () => {},
    )
    setTimeout(() => node.chain.append('a', ['b1', 'b2'], Date.now()), 50)
    await expect(signing).resolves.toMatchObject({ index: 2 })
    // Batch 3 never comes: refused once the wait is over, not before.
    const started = performance.now()
    await expect(
      signSyncPointWhenHeld(
        node.context,
        node.logs,
        node.chain,
        node.progress,
        lock(3),
        ids[0]!,
        () => {},
      ),
    ).rejects.toThrow(/not in the requested state/)
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
  } finally {
    node.close()
  }
})

it('a lock request held while the node switches sequencer is refused, not signed for the old one', async () => {
  // Signed after the switch began, the old sequencer's lock would be missing from what the new
  // one adopted from its peers: it builds another chain over that index and stalls.
  const { node: probe } = makeTestNode({ position: 2 })
  probe.logs.get('a').append(['b1', 'b2'])
  const hashAt = (index: number) => probe.logs.get('a').chainingHashAt(index)
  probe.close()
  const { node, ids, secrets, close } = await syncedFollower({
    position: 1,
    config: { signWaitMs: 2_000 },
  })
  try {
    const app = createNodeApp(node)
    const sequencer = new PeerClient(ids[0]!, secrets[0]!, 'v0.1.7', node.context.network)
    const path = '/node/sign_sync_point'
    const lock = { app_name: 'a', state: 'sequenced', index: 2, timestamp: 0 }
    const body = JSON.stringify({ ...lock, chaining_hash: hashAt(2), parent_index: 0 })
    const headers = sequencer.signedHeaders('POST', node.id, path, body)
    const answer = app.request(path, { method: 'POST', body, headers })
    await new Promise((resolve) => setTimeout(resolve, 50)) // held: batches 1–2 are not in
    const switching = node.switcher.switchTo(ids[2]!, ids[0]!)
    node.chain.append('a', ['b1', 'b2'], Date.now())
    const response = await answer
    await switching
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: { code: 'PermissionDeniedError' } })
  } finally {
    close()
  }
})

it('counts as verified together only the proofs it checked, not one skipped as old', () => {
  const { node, now, point, proof, finalization2, lock4 } = followerOneFinalizationBehind()
  try {
    const old = proof(point('locked', 1, 0, now - 2))
    const verified = node.chain.verifiedTogether('a', [old, finalization2, lock4]).records
    expect([verified.has(old), verified.has(finalization2), verified.has(lock4)]).toEqual([
      false,
      true,
      true,
    ])
    const forged = { ...lock4, signature: finalization2.signature }
    expect(node.chain.verifiedTogether('a', [finalization2, forged]).records.size).toBe(0)
  } finally {
    node.close()
  }
})
