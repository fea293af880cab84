import { beforeAll, expect, it } from 'vitest'
import { chainHash, initZellular, type SyncPoint } from '../../shared/zellular/index.ts'
import { unixSeconds } from './clock.ts'
import { answer, fakePeer, makeTestNode, signedProof, sequencerAnswer } from './testNodes.ts'

beforeAll(async () => {
  await initZellular()
})

/**
 * A node that was the sequencer and lost its link: it holds batches 1–4 of app `a`, 1–2
 * finalized and 3–4 locked (its lock proof, signed by a quorum, never reached anyone else). The
 * others switched, dropped their unlocked copies of 3–4 and finalized other batches at 3.
 */
function cutOffSequencer(sockets?: readonly string[]) {
  // Pipelined locks, as the devnet runs: a lock may follow an unfinalized one.
  const { node } = makeTestNode({
    position: 1,
    config: { pipelineLocks: true },
    ...(sockets ? { sockets } : {}),
  })
  const log = node.logs.get('a')
  const now = unixSeconds(node.context.clock)
  const proof = (point: Omit<SyncPoint, 'app_name'>, signers = [0, 1, 2]) => {
    const full = { app_name: 'a', ...point }
    return { ...full, tag: 0, ...signedProof(full, signers) }
  }
  log.append(['b1', 'b2', 'own3', 'b4'])
  node.outbox.sequencedOwn('a', ['own3'])
  const applied = [
    node.chain.promote(
      'a',
      proof({
        state: 'locked',
        index: 2,
        parent_index: 0,
        chaining_hash: log.chainingHashAt(2),
        timestamp: now - 5,
      }),
    ),
    node.chain.promote(
      'a',
      proof({
        state: 'sequenced',
        index: 4,
        parent_index: 2,
        chaining_hash: log.chainingHashAt(4),
        timestamp: 0,
      }),
    ),
  ]
  if (applied.some((refusal) => refusal !== null)) throw new Error(applied.join())
  const networkHash3 = chainHash(log.chainingHashAt(2), 'other3')
  const networkFinalization3 = (signers = [0, 2, 3]) =>
    proof(
      {
        state: 'locked',
        index: 3,
        parent_index: 2,
        chaining_hash: networkHash3,
        timestamp: now - 1,
      },
      signers,
    )
  /** The network's finalization of other3 and `body4` at 4, on top of 2. */
  const networkFinalization4 = (body4: string) => {
    const chaining_hash = chainHash(networkHash3, body4)
    const point = { state: 'locked', index: 4, parent_index: 2, chaining_hash } as const
    return proof({ ...point, timestamp: now - 1 }, [0, 2, 3])
  }
  return { node, log, now, networkFinalization3, networkFinalization4 }
}

it('drops its unfinalized tail when a quorum finalized other batches there, and catches up', () => {
  const { node, log, now, networkFinalization3 } = cutOffSequencer()
  try {
    expect([log.lastFinalized, log.lastLocked, log.lastSequenced]).toEqual([2, 4, 4])
    // Before: refused with chain_mismatch, and every later proof too, for good.
    expect(node.chain.promote('a', networkFinalization3())).toBe('forked')
    expect([log.lastFinalized, log.lastLocked, log.lastSequenced]).toEqual([2, 2, 2])
    // Its own batch in the dropped tail goes back to its queue, to reach the new sequencer.
    expect(node.outbox.queued('a')).toEqual(['own3'])
    // The next answer from the sequencer brings the network's batches after 2.
    node.chain.append('a', ['other3'], now)
    expect(node.chain.promote('a', networkFinalization3())).toBeNull()
    expect([log.lastFinalized, log.get(3)?.body]).toEqual([3, 'other3'])
  } finally {
    node.close()
  }
})

it('keeps its tail against a conflicting finalization that does not verify', () => {
  const { node, log, networkFinalization3 } = cutOffSequencer()
  try {
    const forged = { ...networkFinalization3(), signature: networkFinalization3([0]).signature }
    expect(node.chain.promote('a', forged)).not.toBeNull()
    const tooFew = networkFinalization3([0, 3])
    expect(node.chain.promote('a', tooFew)).not.toBeNull()
    expect([log.lastFinalized, log.lastLocked, log.lastSequenced]).toEqual([2, 4, 4])
    expect(node.outbox.queued('a')).toEqual([])
  } finally {
    node.close()
  }
})

it('keeps its tail against a conflicting lock: only a finalization settles an index', () => {
  const { node, log } = cutOffSequencer()
  try {
    // A lock of other batches at 5 on top of 2, as a new sequencer could make: this node's
    // own lock at 4 may still be the one a quorum adopts, so nothing is dropped for it.
    const hash = chainHash(chainHash(chainHash(log.chainingHashAt(2), 'x3'), 'x4'), 'x5')
    const point = {
      app_name: 'a',
      state: 'sequenced' as const,
      index: 5,
      parent_index: 2,
      chaining_hash: hash,
      timestamp: 0,
    }
    log.append(['b5'])
    const refusal = node.chain.promote('a', { ...point, tag: 0, ...signedProof(point, [0, 2, 3]) })
    expect(refusal).toBe('chain_mismatch')
    expect([log.lastFinalized, log.lastLocked, log.lastSequenced]).toEqual([2, 4, 5])
  } finally {
    node.close()
  }
})

/**
 * The new sequencer of the network that finalized other batches at 3 (a fake): it holds
 * `bodies` (the network's history, finalized at 4 by `network.finalization`, set once the node
 * exists), sequences what it is sent after them and answers each PUT with the history after the
 * follower's sequenced index. `received` collects the batches of every PUT.
 */
async function newSequencer(network: { bodies: string[]; finalization?: unknown }) {
  const received: string[] = []
  const peer = await fakePeer((_request, body, response) => {
    const put = JSON.parse(body) as { sequenced_index: number; batches: string[] }
    received.push(...put.batches)
    network.bodies.push(...put.batches)
    answer(
      response,
      200,
      sequencerAnswer({
        batches: network.bodies.slice(put.sequenced_index),
        last_finalized_index: 4,
        finalized_signatures: [network.finalization],
      }),
    )
  })
  const sockets = [peer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  return { received, sockets, close: peer.close }
}

it("as a follower, gets the network's batches from its sequencer after the fork is dropped", async () => {
  // The new sequencer holds 1–2 as this node does, then other3 and other4, finalized at 4.
  const network: { bodies: string[]; finalization?: unknown } = {
    bodies: ['b1', 'b2', 'other3', 'other4'],
  }
  const sequencer = await newSequencer(network)
  const { node, log, networkFinalization4 } = cutOffSequencer(sequencer.sockets)
  try {
    network.finalization = networkFinalization4('other4')
    // Rounds: the fork shows; the network's batches after it (own3 is not among them); own3.
    for (let round = 0; round < 3; round++) await node.poster.post()
    expect([log.lastFinalized, log.get(3)?.body, log.get(4)?.body]).toEqual([4, 'other3', 'other4'])
    // Its own batch from the dropped tail went to the new sequencer, once.
    expect(sequencer.received.filter((body) => body === 'own3')).toEqual(['own3'])
  } finally {
    node.close()
    sequencer.close()
  }
})

it('sends its own batch from a dropped tail again only if the network lacks it, judged by the pages after the fork', async () => {
  // The answer that shows the fork holds only what follows the index this node reported (4),
  // not the network's batches from the fork (2) on: own3 may be among those. Before, that
  // answer settled own3 as not taken, and the next PUT carried it whatever the network held.
  // Here the network holds own3 after all (a copy of it reached the new sequencer), at 4.
  const network: { bodies: string[]; finalization?: unknown } = {
    bodies: ['b1', 'b2', 'other3', 'own3', 'other5'],
  }
  const sequencer = await newSequencer(network)
  const { node, log, networkFinalization4 } = cutOffSequencer(sequencer.sockets)
  try {
    network.finalization = networkFinalization4('own3')
    for (let round = 0; round < 3; round++) await node.poster.post()
    expect([log.lastFinalized, log.get(4)?.body]).toEqual([4, 'own3'])
    expect(sequencer.received).not.toContain('own3')
    expect(node.outbox.queued('a')).toEqual([])
  } finally {
    node.close()
    sequencer.close()
  }
})
