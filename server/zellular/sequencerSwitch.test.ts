import type { ServerResponse } from 'node:http'
import { beforeAll, expect, it } from 'vitest'
import { bls, chainHash, disputeMessage, initZellular } from '../../shared/zellular/index.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import { waitFor } from './testing.ts'
import { answer, fakePeer, makeTestNode, signedProof, sequencerAnswer } from './testNodes.ts'

beforeAll(() => initZellular())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Batches `b1`, `b2` of app `a`, with a proof of index 2 in `state` signed by three keys. */
function provenTwo(state: 'sequenced' | 'locked', timestamp: number) {
  const hash1 = chainHash('', 'b1')
  const hash2 = chainHash(hash1, 'b2')
  const point = { app_name: 'a', state, index: 2, chaining_hash: hash2, parent_index: 0, timestamp }
  return { hash1, hash2, point, proof: signedProof(point, [0, 1, 2]) }
}

/**
 * A peer's `GET /node/a/batches/{kind}/last` answer for `b1`, `b2`: the lock of index 2, or its
 * finalization at `timestamp` (signed by three honest keys).
 */
function lastOfTwo(kind: 'locked' | 'finalized', timestamp = 0) {
  const { hash1, hash2, point, proof } = provenTwo(
    kind === 'locked' ? 'sequenced' : 'locked',
    timestamp,
  )
  const signed =
    kind === 'locked'
      ? { locked_signature: proof.signature, locked_nonsigners: proof.nonsigners }
      : {
          timestamp: point.timestamp,
          finalized_signature: proof.signature,
          finalized_nonsigners: proof.nonsigners,
        }
  const data = { app_name: 'a', index: 2, body: 'b2', chaining_hash: hash2, parent_index: 0 }
  return { hash1, answer: { status: 'success', data: { ...data, ...signed } } }
}

/**
 * A peer that proves a finalization at index 2 (signed by three honest keys) and then serves
 * `page` for the batches before it: what a Byzantine node can answer during a switch.
 */
async function peerWithProofAnd(page: string) {
  const finalized = lastOfTwo('finalized', 1_700_000_000).answer
  return fakePeer((request, _body, response) => {
    if (request.url?.startsWith('/node/a/batches/finalized/last')) {
      return answer(response, 200, finalized)
    }
    if (request.url?.startsWith('/node/a/batches/sequenced')) return answer(response, 200, page)
    answer(response, 200, { status: 'success', data: null })
  })
}

/** Node 4, switching sequencer with `peerUrl` as node 2 and the other peers unreachable. */
function nodeBeside(peerUrl: string) {
  const sockets = ['http://127.0.0.1:1', peerUrl, 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  return makeTestNode({ position: 3, sockets, config: { sequencerSetupDeadlineMs: 0 } })
}

for (const [name, page] of [
  ['batches that are not a list', '{"status":"success","data":{"batches":5}}'],
  ['no proofs list', '{"status":"success","data":{"batches":["b1","b2"]}}'],
  [
    'a body that is not text',
    '{"status":"success","data":{"batches":[1,{"x":2}],"finalized_signatures":[]}}',
  ],
  ['not JSON', '<html>'],
] as const) {
  it(`a switch survives a peer page with ${name}`, async () => {
    const peer = await peerWithProofAnd(page)
    const { node, ids } = nodeBeside(peer.url)
    try {
      await expect(node.switcher.switchTo(ids[2]!, ids[0]!)).resolves.toBeUndefined()
      expect(node.role.paused).toBe(false)
      expect(node.role.sequencerId).toBe(ids[2])
      expect(node.logs.get('a').lastFinalized).toBe(0) // nothing adopted from a broken page
    } finally {
      node.close()
      peer.close()
    }
  })
}

/** The page of `b1`, `b2` a peer that proves index 2 serves when it is honest. */
const wellFormedPage = () =>
  JSON.stringify({
    status: 'success',
    data: {
      batches: ['b1', 'b2'],
      first_chaining_hash: chainHash('', 'b1'),
      finalized_signatures: [],
    },
  })

it('adopts a well-formed proven prefix from a peer', async () => {
  const peer = await peerWithProofAnd(wellFormedPage())
  const { node, ids } = nodeBeside(peer.url)
  try {
    await node.switcher.switchTo(ids[2]!, ids[0]!)
    expect(node.logs.get('a').lastFinalized).toBe(2)
  } finally {
    node.close()
    peer.close()
  }
})

it('a switch started in the background logs its failure instead of ending the process', async () => {
  // An unhandled rejection ends a Node process: every background switch goes through
  // `startSwitch`, which catches and logs.
  const lines: string[] = []
  const { node, ids } = makeTestNode({
    position: 3,
    lines,
    config: { sequencerSetupDeadlineMs: 0 },
  })
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    node.logs.get = () => {
      throw new TypeError('boom')
    }
    node.switcher.start(ids[2]!, ids[0]!)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(unhandled).toEqual([])
    expect(node.role.paused).toBe(false)
    expect(lines.join('')).toMatch(/switch to .* failed: TypeError: boom/)
  } finally {
    process.off('unhandledRejection', onUnhandled)
    node.close()
  }
})

it('a sequencer that loses the role puts the client batches it sequenced itself back in its queue', async () => {
  // Clients may PUT straight to the sequencer; until locked those batches exist on it alone. A
  // paused or partitioned sequencer that learns it was replaced must not drop them (the chaos
  // suite lost acknowledged intents this way).
  const { node, ids } = makeTestNode({ position: 0 })
  try {
    expect(node.role.isSequencer).toBe(true)
    node.intake.accept('local', [{ app: 'a', bodies: ['x', 'y'] }], Date.now())
    expect(node.logs.get('a').lastSequenced).toBe(2)
    node.switcher.adopt(ids[1]!)
    expect(node.logs.get('a').lastSequenced).toBe(0)
    expect(node.outbox.queued('a')).toEqual(['x', 'y'])
  } finally {
    node.close()
  }
})

it('adopts the highest finalization any peer proves, though the peer it catches up from lacks it', async () => {
  // The old sequencer finalized 3 and fell before every node had the proof: peer 2 has it, peer
  // 1 only the lock. Catching up to the lock alone left the new sequencer to finalize 3 again,
  // with another time, so replicas that had read the first proof timed batches 1–3 differently.
  const bodies = ['b1', 'b2', 'b3']
  const hashes = bodies.reduce<string[]>(
    (acc, body) => [...acc, chainHash(acc.at(-1) ?? '', body)],
    [],
  )
  const at = (state: 'sequenced' | 'locked', timestamp: number) => ({
    app_name: 'a',
    state,
    index: 3,
    chaining_hash: hashes[2]!,
    parent_index: 0,
    timestamp,
  })
  const lock = signedProof(at('sequenced', 0), [0, 1, 2])
  const finalization = signedProof(at('locked', 1_700_000_000), [0, 1, 2])
  const lastBatch = {
    app_name: 'a',
    index: 3,
    body: 'b3',
    chaining_hash: hashes[2],
    parent_index: 0,
  }
  const page = {
    status: 'success',
    data: { batches: bodies, first_chaining_hash: hashes[0], finalized_signatures: [] },
  }
  const lockHolder = await fakePeer((request, _body, response) => {
    if (request.url?.startsWith('/node/a/batches/locked/last')) {
      const data = {
        ...lastBatch,
        timestamp: 0,
        locked_signature: lock.signature,
        locked_nonsigners: lock.nonsigners,
      }
      return answer(response, 200, { status: 'success', data })
    }
    if (request.url?.startsWith('/node/a/batches/sequenced')) return answer(response, 200, page)
    answer(response, 200, { status: 'success', data: null })
  })
  const finalizationHolder = await fakePeer((request, _body, response) => {
    if (request.url?.startsWith('/node/a/batches/finalized/last')) {
      const data = {
        ...lastBatch,
        timestamp: 1_700_000_000,
        finalized_signature: finalization.signature,
        finalized_nonsigners: finalization.nonsigners,
      }
      return answer(response, 200, { status: 'success', data })
    }
    // It serves no page: the catch-up goes through the lock holder.
    answer(response, 200, { status: 'success', data: null })
  })
  const sockets = [
    'http://127.0.0.1:1',
    lockHolder.url,
    finalizationHolder.url,
    'http://127.0.0.1:1',
  ]
  const { node, ids } = makeTestNode({
    position: 3,
    sockets,
    config: { sequencerSetupDeadlineMs: 0 },
  })
  try {
    await node.switcher.switchTo(ids[3]!, ids[0]!)
    const log = node.logs.get('a')
    expect(log.lastLocked).toBe(3)
    expect(log.lastFinalized).toBe(3)
    expect(log.get(3)?.timestamp).toBe(1_700_000_000)
  } finally {
    node.close()
    lockHolder.close()
    finalizationHolder.close()
  }
})

it('a switch asks each peer for its lock and its finalization at once, not one after the other', async () => {
  // A paused peer holds every request until the timeout: asked in turn, it cost a switch the
  // timeout twice (the chaos suite's longest stalls). This peer answers neither question until
  // it has both, so a node that asks in turn gives up on the lock before it asks the second.
  const { hash1, answer: lockedTwo } = lastOfTwo('locked')
  const held: (() => void)[] = []
  const peer = await fakePeer((request, _body, response) => {
    const url = request.url ?? ''
    if (url.startsWith('/node/a/batches/locked/last')) {
      held.push(() => answer(response, 200, lockedTwo))
    } else if (url.startsWith('/node/a/batches/finalized/last')) {
      held.push(() => answer(response, 200, { status: 'success', data: null }))
    } else if (url.startsWith('/node/a/batches/sequenced')) {
      const page = { batches: ['b1', 'b2'], first_chaining_hash: hash1, finalized_signatures: [] }
      return answer(response, 200, { status: 'success', data: page })
    } else {
      return answer(response, 200, { status: 'success', data: null })
    }
    if (held.length === 2) for (const release of held.splice(0)) release()
  })
  const sockets = ['http://127.0.0.1:1', peer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const { node, ids } = makeTestNode({ position: 3, sockets })
  try {
    await node.switcher.switchTo(ids[2]!, ids[0]!)
    expect(node.logs.get('a').lastLocked).toBe(2)
  } finally {
    node.close()
    peer.close()
  }
})

it('a switch waits for a paused peer only a grace beyond the threshold of answers, not its timeout', async () => {
  // Node 4 and two live peers hold 75 % of the stake (threshold 67 %); node 3 is paused and
  // holds every request until its timeout (2 s). Waiting for it cost every switch away from a
  // paused sequencer those 2 s (chaos seed 405): here the switch is done well before.
  const { hash1, answer: lockedTwo } = lastOfTwo('locked')
  const live = await fakePeer((request, _body, response) => {
    const url = request.url ?? ''
    if (url.startsWith('/node/a/batches/locked/last')) {
      return answer(response, 200, lockedTwo)
    }
    if (url.startsWith('/node/a/batches/sequenced')) {
      const page = { batches: ['b1', 'b2'], first_chaining_hash: hash1, finalized_signatures: [] }
      return answer(response, 200, { status: 'success', data: page })
    }
    answer(response, 200, { status: 'success', data: null })
  })
  const empty = await fakePeer((_request, _body, response) =>
    answer(response, 200, { status: 'success', data: null }),
  )
  const heldByPaused: ServerResponse[] = []
  const paused = await fakePeer((_request, _body, response) => void heldByPaused.push(response))
  const sockets = [live.url, empty.url, paused.url, 'http://127.0.0.1:1']
  const { node, ids } = makeTestNode({ position: 3, sockets })
  try {
    const switched = node.switcher.switchTo(ids[2]!, ids[0]!).then(() => 'switched')
    const outcome = await Promise.race([switched, sleep(1_500).then(() => 'still waiting')])
    expect(outcome).toBe('switched')
    expect(heldByPaused.length).toBeGreaterThan(0)
    expect(node.logs.get('a').lastLocked).toBe(2)
  } finally {
    for (const response of heldByPaused) response.destroy()
    node.close()
    for (const peer of [live, empty, paused]) peer.close()
  }
})

it('a recovery whose answers arrive after a switch keeps the switch', async () => {
  // The network is asked who the sequencer is (up to 2 s). A switch done meanwhile is newer
  // than the answers: adopting them put a node back on the old sequencer for 10 s in the
  // chaos suite (seed 325), out of the new sequencer's quorum.
  const held: (() => void)[] = []
  let old = ''
  const peer = await fakePeer((request, _body, response) => {
    if (request.url?.startsWith('/node/state')) {
      held.push(() => answer(response, 200, { status: 'success', data: { sequencer_id: old } }))
      return
    }
    answer(response, 200, { status: 'success', data: null })
  })
  // Every peer is this one server: all three back the old sequencer, as before the switch.
  const { node, ids } = makeTestNode({ position: 3, sockets: [peer.url, peer.url, peer.url, '4'] })
  old = ids[0]!
  try {
    const recovering = node.switcher.recover()
    await expect.poll(() => held.length).toBe(3)
    await node.switcher.switchTo(ids[1]!, ids[0]!)
    expect(node.role.sequencerId).toBe(ids[1])
    for (const release of held.splice(0)) release()
    await recovering
    expect(node.role.sequencerId).toBe(ids[1])
  } finally {
    node.close()
    peer.close()
  }
})

it('an approved switch request that arrives during a switch is carried out after it, not lost', async () => {
  // A new sequencer still setting up (its peers slow to answer under load) answered such a
  // request "paused"; its followers moved on without it, and it stayed a sequencer nobody
  // followed until it noticed the silence 10 s later, holding back the stake they needed.
  const silent = await fakePeer(() => {}) // holds every question until the asker's timeout
  const sockets = [silent.url, silent.url, silent.url, silent.url]
  const { node, ids, secrets } = makeTestNode({ position: 1, sockets })
  try {
    const app = createNodeApp(node)
    const switching = node.switcher.switchTo(ids[1]!, ids[0]!) // this node becomes the sequencer
    expect(node.role.paused).toBe(true)
    // Nodes 3 and 4 (half the threshold of stake) vote it out before its setup ends.
    const timestamp = Math.floor(Date.now() / 1000)
    const proofs = [2, 3].map((position) => ({
      node_id: ids[position]!,
      sequencer_id: ids[1]!,
      timestamp,
      signature: bls.formatPoint(bls.sign(secrets[position]!, disputeMessage(ids[1]!, timestamp))),
    }))
    const body = JSON.stringify({ proofs })
    const path = '/node/switch'
    const client = new PeerClient(ids[2]!, secrets[2]!, 'v0.1.7', node.context.network)
    const headers = client.signedHeaders('POST', node.id, path, body)
    const response = await app.request(path, { method: 'POST', body, headers })
    expect(response.status).toBe(200)
    await switching
    await waitFor(() => node.role.sequencerId === ids[2]! && !node.role.paused, 10_000)
    expect(node.role.isSequencer).toBe(false)
  } finally {
    node.close()
    silent.close()
  }
})

it('a batch whose PUT is under way when a switch starts is sent again only if the adopted prefix lacks it', async () => {
  // The old sequencer may have sequenced it before the switch: the round under way ends first,
  // so its bodies count as uncertain when the switch decides what to re-send. Left running, its
  // late failure put `b2` back in the queue after that decision, and the new sequencer then
  // finalized it a second time (the "censors one node" Byzantine test, under load).
  const held: (() => void)[] = []
  const sequencer = await fakePeer((_request, _body, response) => {
    held.push(() => answer(response, 500, 'gone'))
  })
  const peer = await peerWithProofAnd(wellFormedPage())
  const sockets = [sequencer.url, peer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const { node, ids } = makeTestNode({
    position: 3,
    sockets,
    config: { sequencerSetupDeadlineMs: 0 },
  })
  try {
    node.intake.accept('local', [{ app: 'a', bodies: ['b2', 'c'] }], Date.now())
    const posting = node.poster.post()
    await expect.poll(() => held.length).toBe(1)
    await node.switcher.switchTo(ids[2]!, ids[0]!)
    expect(node.logs.get('a').lastFinalized).toBe(2)
    for (const release of held.splice(0)) release()
    await posting
    expect(node.outbox.queued('a')).toEqual(['c'])
  } finally {
    node.close()
    peer.close()
    sequencer.close()
  }
})

/**
 * A sequencer fake that sequences every PUT's batches after `history` (its `log`) and answers
 * the log past the follower's sequenced index (no proofs); other questions get no record.
 */
async function sequencerAfter(history: readonly string[]) {
  const log = [...history]
  const peer = await fakePeer((request, body, response) => {
    if (request.method !== 'PUT') return answer(response, 200, { status: 'success', data: null })
    const put = JSON.parse(body) as { batches: string[]; sequenced_index: number }
    log.push(...put.batches)
    answer(response, 200, sequencerAnswer({ batches: log.slice(put.sequenced_index) }))
  })
  return { ...peer, log }
}

for (const holds of [true, false]) {
  it(`a batch re-queued at a switch goes to the new sequencer only if its history lacks it (${holds ? 'it holds it' : 'it lacks it'})`, async () => {
    // The old sequencer may go on locking with the nodes that have not switched yet: the new
    // one can then adopt a higher lock than this node did, holding a batch this node re-queued.
    // Sent again, it was finalized twice (the "censors one node" Byzantine test, under load).
    const old = await sequencerAfter(['b1', 'b2'])
    const peer = await peerWithProofAnd(wellFormedPage())
    const next = await sequencerAfter(holds ? ['b1', 'b2', 'b3'] : ['b1', 'b2'])
    const sockets = [old.url, peer.url, next.url, 'http://127.0.0.1:1']
    const { node, ids } = makeTestNode({
      position: 3,
      sockets,
      config: { sequencerSetupDeadlineMs: 0 },
    })
    try {
      node.outbox.enqueue('local', [{ app: 'a', bodies: ['b3'] }])
      await node.poster.post()
      expect(node.logs.get('a').lastSequenced).toBe(3)
      await node.switcher.switchTo(ids[2]!, ids[0]!)
      expect(node.logs.get('a').lastSequenced).toBe(2) // b3 was not locked: re-queued
      for (let round = 0; round < 3; round++) await node.poster.post()
      expect(next.log).toEqual(['b1', 'b2', 'b3'])
      expect(node.logs.get('a').lastSequenced).toBe(3)
      expect(node.outbox.queued('a')).toEqual([])
    } finally {
      node.close()
      peer.close()
      old.close()
      next.close()
    }
  })
}

it('a switch catching up from a peer checks the proofs of each page together', async () => {
  const bodies = ['b1', 'b2', 'b3', 'b4']
  const hashes: string[] = []
  for (const body of bodies) hashes.push(chainHash(hashes.at(-1) ?? '', body))
  const timestamp = 1_700_000_000
  const finalization = (index: number) => {
    const point = {
      app_name: 'a',
      state: 'locked' as const,
      index,
      chaining_hash: hashes[index - 1]!,
      parent_index: index - 1,
      timestamp: timestamp + index,
    }
    return { point, proof: signedProof(point, [0, 1, 2]) }
  }
  const last = finalization(4)
  const peer = await fakePeer((request, _body, response) => {
    if (request.url?.startsWith('/node/a/batches/finalized/last')) {
      return answer(response, 200, {
        status: 'success',
        data: {
          app_name: 'a',
          index: 4,
          body: 'b4',
          chaining_hash: hashes[3],
          parent_index: 3,
          timestamp: last.point.timestamp,
          finalized_signature: last.proof.signature,
          finalized_nonsigners: last.proof.nonsigners,
        },
      })
    }
    if (request.url?.startsWith('/node/a/batches/sequenced')) {
      const proofs = [1, 2, 3, 4].map((index) => {
        const { point, proof } = finalization(index)
        return { ...point, tag: 0, ...proof }
      })
      const data = { batches: bodies, finalized_signatures: proofs }
      return answer(response, 200, { status: 'success', data })
    }
    answer(response, 200, { status: 'success', data: null })
  })
  const { node, ids } = nodeBeside(peer.url)
  try {
    const before = bls.pairingChecks()
    await node.switcher.switchTo(ids[2]!, ids[0]!)
    expect(node.logs.get('a').lastFinalized).toBe(4)
    // The peer's last finalization, then its page's four proofs together.
    expect(bls.pairingChecks() - before).toBe(2)
  } finally {
    node.close()
    peer.close()
  }
})
