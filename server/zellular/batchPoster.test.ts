import { beforeAll, expect, it } from 'vitest'
import { bls, chainHash, initZellular } from '../../shared/zellular/index.ts'
import { nodeConfigSchema, type NodeConfig } from './config.ts'
import { signSyncPoint } from './signer.ts'
import { answer, fakePeer, makeTestNode, signedProof, sequencerAnswer } from './testNodes.ts'

beforeAll(() => initZellular())

/** A follower (operator 2) of the sequencer at `url`; the other peers are unreachable. */
function followerOf(url: string, config?: Partial<NodeConfig>) {
  const unreachable = 'http://127.0.0.1:1'
  return makeTestNode({
    position: 1,
    sockets: [url, unreachable, unreachable, unreachable],
    config,
  })
}

for (const [name, body] of [
  ['batches that are not a list', { status: 'success', data: { batches: 5 } }],
  ['no data', { status: 'success' }],
  ['not JSON', '<html>'],
] as const) {
  it(`a sequencer answering with ${name} counts as down (a dispute follows), not as a crash`, async () => {
    const sequencer = await fakePeer((_request, _body, response) => answer(response, 200, body))
    const { node } = followerOf(sequencer.url)
    try {
      node.outbox.enqueue('local', [{ app: 'a', bodies: ['hello'] }])
      await expect(node.poster.post()).resolves.toBeUndefined()
      expect(node.poster.sequencerDown).toBe(true)
      expect(node.outbox.queued('a')).toEqual(['hello']) // kept for the next sequencer
      expect(node.logs.get('a').lastSequenced).toBe(0)
    } finally {
      node.close()
      sequencer.close()
    }
  })
}

/**
 * A fake sequencer on `port` answering every PUT with `bodies` as indexes 1… and finalization
 * proofs, signed by three operators, of the indexes in `finalized`.
 */
async function sequencerAnswering(
  port: number,
  bodies: readonly string[],
  finalized: readonly number[],
) {
  const hashes: string[] = []
  for (const body of bodies) hashes.push(chainHash(hashes.at(-1) ?? '', body))
  const timestamp = Math.floor(Date.now() / 1000)
  const finalizations = finalized.map((index, i) => {
    const point = {
      app_name: 'a',
      state: 'locked' as const,
      index,
      chaining_hash: hashes[index - 1]!,
      parent_index: finalized[i - 1] ?? 0,
      timestamp,
    }
    return { ...point, tag: 0, ...signedProof(point, [0, 2, 3]) }
  })
  const data = {
    batches: bodies,
    last_finalized_index: finalized.at(-1) ?? 0,
    finalized_signatures: finalizations,
  }
  const peer = await fakePeer(
    (_request, _body, response) => answer(response, 200, sequencerAnswer(data)),
    port,
  )
  return { ...peer, hashes }
}

it('a sequencer answering with a batch over maxBatchSizeKb counts as down, and none of its answer is taken', async () => {
  // No client can put such a batch into an honest node: only a lying sequencer answers one.
  // Taken, then locked and finalized, a body over the page cap made every later page empty:
  // every replica and every node behind it stopped there for good.
  const sequencer = await sequencerAnswering(20500, ['small', 'x'.repeat(5 * 1024 + 1)], [1])
  const { node } = followerOf(sequencer.url, { maxBatchSizeKb: 5 })
  try {
    node.outbox.enqueue('local', [{ app: 'a', bodies: ['hello'] }])
    await node.poster.post()
    const log = node.logs.get('a')
    expect([log.lastSequenced, log.lastLocked, log.lastFinalized]).toEqual([0, 0, 0])
    expect(node.poster.sequencerDown).toBe(true) // a dispute follows
    expect(node.outbox.queued('a')).toEqual(['hello']) // kept for the next sequencer
    // Asked to lock it, the follower refuses: it does not hold it.
    const lock = {
      app_name: 'a',
      state: 'sequenced' as const,
      index: 2,
      parent_index: 0,
      chaining_hash: sequencer.hashes[1]!,
      timestamp: 0,
    }
    expect(() => signSyncPoint(node.context, node.logs, node.chain, lock)).toThrow(
      'The batch is not in the requested state here.',
    )
  } finally {
    node.close()
    sequencer.close()
  }
})

it('a follower takes a batch over maxBatchSizeKb that a finalization proof in the answer covers', async () => {
  // A quorum finalized it before followers refused such batches: without it, the nodes behind
  // it could never catch up. A lying sequencer cannot make one: no honest follower locks it.
  const sequencer = await sequencerAnswering(
    20501,
    ['small', 'x'.repeat(5 * 1024 + 1), 'next'],
    [3],
  )
  const { node } = followerOf(sequencer.url, { maxBatchSizeKb: 5 })
  try {
    await node.poster.post()
    const log = node.logs.get('a')
    expect([log.lastSequenced, log.lastFinalized]).toEqual([3, 3])
    expect(node.poster.sequencerDown).toBe(false)
  } finally {
    node.close()
    sequencer.close()
  }
})

it('a synced follower gives a silent sequencer sequencerAnswerTimeoutMs (2.5 s), not 5 s', async () => {
  // A paused sequencer accepts the connection and answers nothing: the dispute can only start
  // once two followers time out, so this timeout is most of the time a silent sequencer costs.
  expect(nodeConfigSchema.parse({ nodesFile: 'n', keyFile: 'k' }).sequencerAnswerTimeoutMs).toBe(
    2_500,
  )
  let paused = false
  const sequencer = await fakePeer((_request, _body, response) => {
    if (paused) return
    answer(response, 200, sequencerAnswer())
  })
  const { node } = followerOf(sequencer.url, { sequencerAnswerTimeoutMs: 300 })
  try {
    await node.poster.post()
    expect(node.poster.synced).toBe(true)
    const timeouts: number[] = []
    const send = node.context.peers.send.bind(node.context.peers)
    node.context.peers.send = (method, target, path, payload, timeoutMs, signal) => {
      timeouts.push(timeoutMs)
      return send(method, target, path, payload, timeoutMs, signal)
    }
    paused = true
    node.outbox.enqueue('local', [{ app: 'a', bodies: ['hello'] }])
    await node.poster.post()
    expect(node.poster.sequencerDown).toBe(true)
    expect(timeouts).toEqual([300])
    expect(node.outbox.queued('a')).toEqual(['hello']) // kept for the next sequencer
  } finally {
    node.close()
    sequencer.close()
  }
})

/**
 * A sequencer that appends every PUT's batches to its log and answers the log past the
 * follower's sequenced index; the first PUT carrying batches fails (500), after it took them
 * when `takesFailed`, as a sequencer that crashes or times out after sequencing does.
 */
async function sequencerFailingOnce(takesFailed: boolean) {
  const log: string[] = []
  let failed = false
  const peer = await fakePeer((_request, body, response) => {
    const request = JSON.parse(body) as { batches: string[]; sequenced_index: number }
    const failing = !failed && request.batches.length > 0
    if (!failing || takesFailed) log.push(...request.batches)
    if (failing) {
      failed = true
      return answer(response, 500, 'gone after sequencing')
    }
    answer(response, 200, sequencerAnswer({ batches: log.slice(request.sequenced_index) }))
  })
  return { log, url: peer.url, close: peer.close }
}

for (const takesFailed of [true, false]) {
  it(`the batches of a failed PUT are sent again only if the sequencer did not take them (${takesFailed ? 'it did' : 'it did not'})`, async () => {
    // Zellular does not deduplicate: sent again, batches a sequencer took before failing to
    // answer would be sequenced twice. The follower's next PUT carries nothing new until an
    // answer's uncut page shows which of them the sequencer holds.
    const sequencer = await sequencerFailingOnce(takesFailed)
    const { node } = followerOf(sequencer.url)
    try {
      node.outbox.enqueue('local', [{ app: 'a', bodies: ['x', 'y'] }])
      await node.poster.post()
      expect(node.outbox.queued('a')).toEqual(['x', 'y'])
      node.outbox.enqueue('local', [{ app: 'a', bodies: ['z'] }])
      for (let round = 0; round < 3; round++) await node.poster.post()
      expect(sequencer.log).toEqual(['x', 'y', 'z'])
      expect(node.logs.get('a').lastSequenced).toBe(3)
      expect(node.outbox.queued('a')).toEqual([])
    } finally {
      node.close()
      sequencer.close()
    }
  })
}

it('a sequencer that answers no uncut page after a failed PUT holds its batches back a few rounds at most', async () => {
  // Whether it took them shows only on an uncut page; a Byzantine sequencer that keeps every
  // page full would otherwise keep them out of every PUT, unseen by the censorship checks.
  const received: string[] = []
  let failed = false
  let junk = 0
  const peer = await fakePeer((_request, body, response) => {
    const request = JSON.parse(body) as { batches: string[] }
    received.push(...request.batches)
    if (!failed && request.batches.length > 0) {
      failed = true
      return answer(response, 500, 'gone')
    }
    // 4,000 bytes: with a 5 KB batch size and an 8 KB page, the page counts as cut.
    answer(response, 200, sequencerAnswer({ batches: [`${junk++} ${'j'.repeat(4_000)}`] }))
  })
  const { node } = followerOf(peer.url, { bandwidthKbPerWindow: 32, maxBatchSizeKb: 5 })
  try {
    node.outbox.enqueue('local', [{ app: 'a', bodies: ['x'] }])
    for (let round = 0; round < 12; round++) await node.poster.post()
    expect(received.filter((body) => body === 'x')).toHaveLength(2)
  } finally {
    node.close()
    peer.close()
  }
})

it('a follower checks the proofs of one answer from its sequencer together, in one pairing check', async () => {
  const bodies = ['one', 'two', 'three']
  const hashes: string[] = []
  for (const body of bodies) hashes.push(chainHash(hashes.at(-1) ?? '', body))
  const timestamp = Math.floor(Date.now() / 1000)
  const proof = (state: 'locked' | 'sequenced', index: number, parent: number) => {
    const point = {
      app_name: 'a',
      state,
      index,
      chaining_hash: hashes[index - 1]!,
      parent_index: parent,
      timestamp: state === 'locked' ? timestamp : 0,
    }
    return { ...point, tag: 0, ...signedProof(point, [0, 1, 2]) }
  }
  const data = {
    batches: bodies,
    last_finalized_index: 2,
    finalized_signatures: [proof('locked', 1, 0), proof('locked', 2, 1)],
    last_locked_signature: proof('sequenced', 3, 2),
  }
  const sequencer = await fakePeer((_request, body, response) => {
    const after = (JSON.parse(body) as { sequenced_index: number }).sequenced_index
    answer(response, 200, sequencerAnswer({ ...data, batches: bodies.slice(after) }))
  })
  const { node } = followerOf(sequencer.url)
  try {
    // The key this follower shares with the sequencer (a pairing) is made before counting.
    node.context.peers.signedHeaders('PUT', node.context.network.attesting()[0]!.id, '/', '{}')
    const before = bls.pairingChecks()
    await node.poster.post()
    const log = node.logs.get('a')
    expect([log.lastSequenced, log.lastLocked, log.lastFinalized]).toEqual([3, 3, 2])
    expect(bls.pairingChecks() - before).toBe(1)
  } finally {
    node.close()
    sequencer.close()
  }
})
