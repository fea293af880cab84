import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { beforeAll, expect, it } from 'vitest'
import { bls, initZellular, syncPointMessage } from '../../shared/zellular/index.ts'
import { unixSeconds, type Clock } from './clock.ts'
import {
  answer,
  fakePeer,
  makeTestNode,
  ManualClock,
  messageToSign,
  signedProof,
  testSecrets,
} from './testNodes.ts'
import { INACTIVE_AFTER_MS } from './synchronizer.ts'
import { syncPointAsk } from './signatureGathering.ts'

let secrets: bls.SecretKey[] = []
beforeAll(async () => {
  await initZellular()
  secrets = testSecrets()
})

function makeSequencer(sockets?: readonly string[], clock?: Clock) {
  const { node, ids } = makeTestNode({
    ...(sockets === undefined ? {} : { sockets }),
    ...(clock === undefined ? {} : { clock }),
  })
  return { node, ids }
}

const report = (updatedAt: number) => ({
  sequencedIndex: 0,
  sequencedChainingHash: '',
  lockedIndex: 0,
  lockedChainingHash: '',
  finalizedIndex: 0,
  updatedAt,
})

it('a sequencer whose peers stopped posting knows it was left behind, by its own clock', () => {
  const clock = new ManualClock()
  const { node, ids } = makeTestNode({ clock })
  expect(node.role.isSequencer).toBe(true)
  expect(node.synchronizer.isAbandoned()).toBe(false) // never heard from anyone: just started
  for (const id of ids.slice(1)) node.synchronizer.recordReport('a', id, report(clock.now()))
  clock.advance(INACTIVE_AFTER_MS)
  expect(node.synchronizer.isAbandoned()).toBe(false) // silent for exactly the limit
  // One silent peer (25 % of stake) is an outage, not a switch.
  node.synchronizer.recordReport('a', ids[2]!, report(clock.now()))
  node.synchronizer.recordReport('a', ids[3]!, report(clock.now()))
  clock.advance(1)
  expect(node.synchronizer.isAbandoned()).toBe(false)
  // Two silent peers: this node and the one still posting hold 50 % < 67 %. zsequencer waits
  // for a third (the silent ones holding the threshold); one peer that followed a restarted
  // node into its self-appointed role then stayed out of the real sequencer's quorum.
  clock.advance(INACTIVE_AFTER_MS / 2)
  node.synchronizer.recordReport('a', ids[3]!, report(clock.now()))
  clock.advance(INACTIVE_AFTER_MS / 2)
  expect(node.synchronizer.isAbandoned()).toBe(true)
  node.close()
})

/**
 * A peer on 127.0.0.1 that answers `sign_sync_point` after `delayMs`, honestly or not. An honest
 * one given `chain` signs only points whose chaining hash it holds, as a real node does.
 * `asked` counts the requests it received.
 */
async function signingPeer(
  secret: bls.SecretKey,
  options: { forge: boolean; delayMs: number; chain?: (index: number) => string },
) {
  const counter = { asked: 0 }
  const bodies: string[] = []
  const server: Server = createServer((request, response) => {
    counter.asked += 1
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      bodies.push(body)
      const point = JSON.parse(body) as Parameters<typeof syncPointMessage>[0]
      if (options.chain && options.chain(point.index) !== point.chaining_hash) {
        response.statusCode = 400
        response.end(JSON.stringify({ status: 'error', error: { code: 'InvalidRequestError' } }))
        return
      }
      const message = options.forge ? 'something else' : messageToSign(request.url, body)
      const signature = bls.formatPoint(bls.sign(secret, message))
      setTimeout(() => {
        response.setHeader('Content-Type', 'application/json')
        response.end(JSON.stringify({ status: 'success', data: { signature } }))
      }, options.delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    get asked() {
      return counter.asked
    },
  }
}

it('a sequencer nobody has posted to since it took the role knows it was left behind', async () => {
  const clock = new ManualClock()
  const { node } = makeTestNode({ clock })
  try {
    // E.g. restarted while no peer answered whom it follows, it took the role by default.
    expect(node.role.isSequencer).toBe(true)
    clock.advance(INACTIVE_AFTER_MS)
    expect(node.synchronizer.isAbandoned()).toBe(false)
    clock.advance(1)
    expect(node.synchronizer.isAbandoned()).toBe(true)
    // It asks the network once (the node's loop starts the recovery), then listens afresh.
    await expect(node.synchronizer.run()).resolves.toBe('abandoned')
    expect(node.synchronizer.isAbandoned()).toBe(false)
  } finally {
    node.close()
  }
})

it('verifies answers together, and drops a forged one and waits for another signer', async () => {
  // Peer 2 forges and answers first; peers 3 and 4 sign honestly, 4 last. Own + 2 peers = 75 %.
  const peers = await Promise.all([
    signingPeer(secrets[1]!, { forge: true, delayMs: 0 }),
    signingPeer(secrets[2]!, { forge: false, delayMs: 50 }),
    signingPeer(secrets[3]!, { forge: false, delayMs: 300 }),
  ])
  const { node, ids } = makeSequencer(['http://127.0.0.1:1', ...peers.map((peer) => peer.url)])
  try {
    const request = {
      app_name: 'a',
      state: 'sequenced' as const,
      index: 5,
      chaining_hash: 'abc',
      parent_index: 0,
      timestamp: 0,
    }
    const gathered = await node.synchronizer.gatherSignatures(syncPointAsk(request), ids.slice(1))
    if (!gathered.ok) throw new Error('no aggregate')
    expect(gathered.aggregate.nonsigners).toEqual([ids[1]])
    // The forger is suspected: the next rounds pick their party without it.
    expect(node.synchronizer.isSuspected(ids[1]!)).toBe(true)
    // The proof is what every node will check: it verifies under all keys minus the nonsigner.
    expect(() =>
      node.context.network.verifyAggregate(syncPointMessage(request), gathered.aggregate),
    ).not.toThrow()
  } finally {
    node.close()
    for (const peer of peers) peer.server.close()
  }
})

/** A sequencer holding `count` batches of app `a`, its three peers on 127.0.0.1. */
async function sequencerWithPeers(count: number, liar: { forge: boolean }, clock?: Clock) {
  const { node: probe } = makeSequencer()
  probe.logs.get('a').append(Array.from({ length: count }, (_, i) => `batch ${i + 1}`))
  const chain = (index: number) => probe.logs.get('a').chainingHashAt(index)
  const peers = await Promise.all([
    signingPeer(secrets[1]!, { forge: liar.forge, delayMs: 0, chain }),
    signingPeer(secrets[2]!, { forge: false, delayMs: 10, chain }),
    signingPeer(secrets[3]!, { forge: false, delayMs: 20, chain }),
  ])
  probe.close()
  const { node, ids } = makeSequencer(
    ['http://127.0.0.1:1', ...peers.map((peer) => peer.url)],
    clock,
  )
  node.logs.get('a').append(Array.from({ length: count }, (_, i) => `batch ${i + 1}`))
  const honest = (index: number) => ({
    ...report(clock?.now() ?? Date.now()),
    sequencedIndex: index,
    sequencedChainingHash: node.logs.get('a').chainingHashAt(index),
  })
  return {
    node,
    ids,
    honest,
    peers,
    close() {
      node.close()
      for (const peer of peers) peer.server.close()
    },
  }
}

it('locks from its own log when one peer reports a bogus chaining hash for the top index', async () => {
  const { node, ids, honest, close } = await sequencerWithPeers(3, { forge: false })
  try {
    // The liar's report comes first among the top-index ties (zsequencer took its hash).
    node.synchronizer.recordReport('a', ids[1]!, {
      ...honest(3),
      sequencedChainingHash: 'f'.repeat(64),
    })
    node.synchronizer.recordReport('a', ids[2]!, honest(3))
    node.synchronizer.recordReport('a', ids[3]!, honest(3))
    await node.synchronizer.run()
    expect(node.logs.get('a').lastLocked).toBe(3)
  } finally {
    close()
  }
})

it('ignores a report of an index beyond its own log', async () => {
  const { node, ids, honest, close } = await sequencerWithPeers(3, { forge: true })
  try {
    node.synchronizer.recordReport('a', ids[1]!, { ...honest(3), sequencedIndex: 1_000_000 })
    node.synchronizer.recordReport('a', ids[2]!, honest(3))
    node.synchronizer.recordReport('a', ids[3]!, honest(2))
    await node.synchronizer.run()
    expect(node.logs.get('a').lastLocked).toBe(2)
  } finally {
    close()
  }
})

it('a peer that claims the top index and withholds its signature delays one round trip, not the lock', async () => {
  const { node, ids, honest, close } = await sequencerWithPeers(3, { forge: true })
  try {
    node.synchronizer.recordReport('a', ids[1]!, honest(3)) // claims 3 truthfully, then signs garbage
    node.synchronizer.recordReport('a', ids[2]!, honest(3))
    node.synchronizer.recordReport('a', ids[3]!, honest(2))
    await node.synchronizer.run()
    // 3 needed the withholding peer; 2 is what the honest peers can complete without it.
    expect(node.logs.get('a').lastLocked).toBe(2)
    expect(node.synchronizer.isSuspected(ids[1]!)).toBe(true)
  } finally {
    close()
  }
})

it('a peer that forged a signature is not asked again for a minute', async () => {
  const clock = new ManualClock()
  const { node, ids, honest, peers, close } = await sequencerWithPeers(3, { forge: true }, clock)
  try {
    const [forger] = peers
    node.synchronizer.recordReport('a', ids[1]!, honest(3))
    node.synchronizer.recordReport('a', ids[2]!, honest(3))
    node.synchronizer.recordReport('a', ids[3]!, honest(2))
    await node.synchronizer.run()
    expect(node.logs.get('a').lastLocked).toBe(2)
    expect(forger!.asked).toBe(1)
    // Past the 5 s a refusal costs, everyone reports 3: the honest peers can complete it
    // alone, and the forger, proven faulty, is left out.
    clock.advance(30_000)
    for (const id of ids.slice(1)) node.synchronizer.recordReport('a', id, honest(3))
    await node.synchronizer.run()
    expect(node.logs.get('a').lastLocked).toBe(3)
    expect(forger!.asked).toBe(1)
    expect(node.synchronizer.isSuspected(ids[1]!)).toBe(true)
  } finally {
    close()
  }
})

/** Finalizes `index` of app `a` on `node` (parent: its last finalization) with a quorum proof. */
function finalizeOwn(node: ReturnType<typeof makeTestNode>['node'], index: number) {
  const log = node.logs.get('a')
  const point = {
    app_name: 'a',
    state: 'locked' as const,
    index,
    chaining_hash: log.chainingHashAt(index),
    parent_index: log.lastFinalized,
    timestamp: unixSeconds(node.context.clock),
  }
  const refusal = node.chain.promote('a', { ...point, tag: 0, ...signedProof(point, [0, 1, 2]) })
  if (refusal) throw new Error(refusal)
}

const carried = (body: string) =>
  ((JSON.parse(body) as { proofs?: { state: string; index: number }[] }).proofs ?? []).map(
    (proof) => `${proof.state} ${proof.index}`,
  )

it('locks with peers one finalization behind, sending them the proof of it', async () => {
  const { node, ids, honest, peers, close } = await sequencerWithPeers(4, { forge: false })
  try {
    finalizeOwn(node, 1)
    finalizeOwn(node, 2)
    // The peers hold batch 4 but have not heard of finalization 2 yet (their next PUT brings it).
    for (const id of ids.slice(1)) {
      node.synchronizer.recordReport('a', id, { ...honest(4), finalizedIndex: 1 })
    }
    await node.synchronizer.run()
    expect(node.logs.get('a').lastLocked).toBe(4)
    const lockRequest = peers[1]!.bodies.find((body) => body.includes('"sequenced"'))!
    expect(carried(lockRequest)).toEqual(['locked 2'])
  } finally {
    close()
  }
})

it('finalizes a lock in the round that made it, sending the lock proof along', async () => {
  const { node, ids, honest, peers, close } = await sequencerWithPeers(3, { forge: false })
  try {
    for (const id of ids.slice(1)) node.synchronizer.recordReport('a', id, honest(3))
    // No peer has reported the lock yet: zsequencer waits for their next two PUTs.
    await node.synchronizer.run()
    expect(node.logs.get('a').lastFinalized).toBe(3)
    const finalizationRequest = peers[1]!.bodies.find((body) => body.includes('"locked"'))!
    expect(carried(finalizationRequest)).toEqual(['sequenced 3'])
  } finally {
    close()
  }
})

it('does not ask a suspected peer while the others hold the stake to sign without it', async () => {
  const clock = new ManualClock()
  const { node, ids, honest, peers, close } = await sequencerWithPeers(3, { forge: true }, clock)
  try {
    const [forger] = peers
    node.synchronizer.recordReport('a', ids[1]!, honest(2))
    node.synchronizer.recordReport('a', ids[2]!, honest(2))
    node.synchronizer.recordReport('a', ids[3]!, honest(1))
    await node.synchronizer.run() // the forger is caught and left out; 1 is locked and finalized
    expect(node.logs.get('a').lastFinalized).toBe(1)
    expect(forger!.asked).toBe(1)
    // One honest peer has not reported 3 yet. Only the forger could complete it with the other:
    // a round with it is sure to fail and delays the next one; its report will come.
    node.synchronizer.recordReport('a', ids[1]!, honest(3))
    node.synchronizer.recordReport('a', ids[2]!, honest(3))
    await node.synchronizer.run()
    expect(forger!.asked).toBe(1)
    expect(node.logs.get('a').lastLocked).toBe(1)
    node.synchronizer.recordReport('a', ids[3]!, honest(3))
    await node.synchronizer.run()
    expect(node.logs.get('a').lastFinalized).toBe(3)
    expect(forger!.asked).toBe(1)
  } finally {
    close()
  }
})

it('a round short of the threshold is logged with each missing signer and its refusal', async () => {
  const refusing = await fakePeer((_request, _body, response) =>
    answer(response, 400, {
      status: 'error',
      error: { code: 'InvalidRequestError', message: 'Wrong parent index.' },
    }),
  )
  const lines: string[] = []
  const unreachable = 'http://127.0.0.1:1'
  const { node, ids } = makeTestNode({
    sockets: [unreachable, refusing.url, unreachable, unreachable],
    lines,
  })
  try {
    const log = node.logs.get('a')
    log.append(['b1', 'b2'])
    for (const id of ids.slice(1)) {
      node.synchronizer.recordReport('a', id, {
        ...report(node.context.clock.now()),
        sequencedIndex: 2,
        sequencedChainingHash: log.chainingHashAt(2),
      })
    }
    await node.synchronizer.run()
    expect(log.lastLocked).toBe(0)
    const line = lines.find((text) => text.includes('lock 2 of a short of the threshold'))
    expect(line).toContain(`${ids[1]!.slice(0, 8)}: 400 InvalidRequestError: Wrong parent index.`)
    expect(line).toContain(`${ids[2]!.slice(0, 8)}: `)
  } finally {
    node.close()
    refusing.close()
  }
})

it('asks a suspected peer when the unsuspected ones that could sign without it are silent', async () => {
  const clock = new ManualClock()
  const { node: probe } = makeSequencer()
  probe.logs.get('a').append(['b1', 'b2', 'b3'])
  const hashes = [1, 2, 3].map((index) => probe.logs.get('a').chainingHashAt(index))
  probe.close()
  let laggardHolds = 2
  const peers = await Promise.all([
    signingPeer(secrets[1]!, { forge: false, delayMs: 0, chain: (i) => hashes[i - 1]! }),
    signingPeer(secrets[2]!, {
      forge: false,
      delayMs: 0,
      chain: (i) => (i <= laggardHolds ? hashes[i - 1]! : 'not yet'),
    }),
  ])
  const { node, ids } = makeSequencer(
    ['http://127.0.0.1:1', ...peers.map((peer) => peer.url), 'http://127.0.0.1:1'],
    clock,
  )
  try {
    node.logs.get('a').append(['b1', 'b2', 'b3'])
    const holding3 = {
      ...report(clock.now()),
      sequencedIndex: 3,
      sequencedChainingHash: hashes[2]!,
    }
    // The fourth node is down since the switch: it never reports. The laggard claims 3 a moment
    // before it holds it, refuses, and is suspected.
    node.synchronizer.recordReport('a', ids[1]!, holding3)
    node.synchronizer.recordReport('a', ids[2]!, holding3)
    await node.synchronizer.run()
    expect(node.synchronizer.isSuspected(ids[2]!)).toBe(true)
    expect(node.logs.get('a').lastLocked).toBe(0)
    // Now it holds 3. Without it only the silent node could complete the threshold.
    laggardHolds = 3
    await node.synchronizer.run()
    expect(node.logs.get('a').lastLocked).toBe(3)
  } finally {
    node.close()
    for (const peer of peers) peer.server.close()
  }
})
