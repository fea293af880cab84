import { beforeAll, expect, it } from 'vitest'
import { bls, disputeMessage, initZellular } from '../../shared/zellular/index.ts'
import { listenHttp } from '../listenHttp.ts'
import { handleDispute } from './disputeRoutes.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import { putBatchFrom, waitFor } from './testing.ts'
import { ManualClock, makeTestNode, syncedFollower } from './testNodes.ts'

beforeAll(() => initZellular())

async function followerOf0() {
  const follower = await syncedFollower({ position: 2 })
  const { node } = follower
  const dispute = (against: string) =>
    handleDispute(node, {
      sequencer_id: against,
      apps_censored_batches: {},
      timestamp: Math.floor(Date.now() / 1000),
    })
  return { ...follower, dispute }
}

it('an honest node refuses to vote against a node that is not its sequencer', async () => {
  // Votes collected in advance against the next sequencer would let one faulty node (whose own
  // vote plus one honest vote reach the switch quorum) move the role away from it at will.
  const { node, ids, dispute, failSequencer, close } = await followerOf0()
  try {
    expect(node.role.sequencerId).toBe(ids[0])
    expect(() => dispute(ids[1]!)).toThrow(
      expect.objectContaining({ code: 'InvalidSequencerError' }),
    )
    await failSequencer() // even when its own sequencer has a problem
    expect(node.disputer.reason()).toBe('sequencer unreachable')
    expect(() => dispute(ids[1]!)).toThrow(
      expect.objectContaining({ code: 'InvalidSequencerError' }),
    )
  } finally {
    close()
  }
})

it('an honest node votes against its sequencer only on a problem it sees itself', async () => {
  const { ids, dispute, failSequencer, close } = await followerOf0()
  try {
    expect(() => dispute(ids[0]!)).toThrow(expect.objectContaining({ code: 'IssueNotFoundError' }))
    await failSequencer()
    expect(dispute(ids[0]!).signature).toMatch(/\d+ \d+/)
  } finally {
    close()
  }
})

it('refuses a flood of disputes and switches it would refuse anyway without a pairing check', async () => {
  const { node, ids, secrets, close } = await syncedFollower({ position: 2 })
  const app = createNodeApp(node)
  const spammer = new PeerClient(ids[3]!, secrets[3]!, 'v0.1.7', node.context.network)
  const timestamp = Math.floor(Date.now() / 1000)
  const post = (path: string, payload: unknown) => {
    const body = JSON.stringify(payload)
    const headers = spammer.signedHeaders('POST', node.id, path, body)
    return app.request(path, { method: 'POST', body, headers })
  }
  try {
    spammer.signedHeaders('POST', node.id, '/node/dispute', '{}') // derives its MAC key
    const before = bls.pairingChecks()
    for (let i = 0; i < 20; i++) {
      const own = { sequencer_id: ids[0], apps_censored_batches: {}, timestamp }
      expect((await post('/node/dispute', own)).status).toBe(404) // no problem seen here
      const other = { ...own, sequencer_id: ids[1] }
      expect((await post('/node/dispute', other)).status).toBe(400) // not our sequencer
      const proofs = [{ node_id: ids[3], sequencer_id: ids[0], timestamp, signature: '1 2' }]
      expect((await post('/node/switch', { proofs })).status).toBe(403) // 25 % of stake
    }
    expect(bls.pairingChecks() - before).toBe(0)
  } finally {
    close()
  }
})

it("queues the censored samples of disputes as probes within their share of the queue's caps", async () => {
  const config = { maxQueuedKb: 16, maxQueuedKbPerApp: 16, clientSharePercent: 25 }
  const follower = await syncedFollower({ position: 2, config, sequencerPort: 21510 })
  const { node, ids, secrets } = follower
  const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 21511)
  const url = 'http://127.0.0.1:21511'
  const peer = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', node.context.network)
  const target = { id: node.id, socket: url }
  try {
    for (let n = 0; n < 8; n++) {
      const sample = `${n}`.padEnd(3 * 1024, 's')
      const dispute = {
        sequencer_id: ids[0],
        apps_censored_batches: { a: sample },
        timestamp: Math.floor(Date.now() / 1000),
      }
      const answer = await peer.send('POST', target, '/node/dispute', dispute, 10_000)
      expect(answer.status).toBe(404) // no problem seen here: the sample is forwarded as a probe
    }
    // Probes hold a quarter of 16 KB, as one client may: one 3 KB sample.
    expect(node.outbox.queued('a')).toHaveLength(1)
    expect(node.outbox.queuedBytes()).toBeLessThanOrEqual(4 * 1024)
    // A client still has its own share.
    const client = await putBatchFrom('127.0.0.1', url, 'a', 'c'.repeat(3 * 1024))
    expect(client.status).toBe(200)
  } finally {
    server.close()
    follower.close()
  }
})

it('a peer flooding switch requests whose proofs do not verify costs a few pairing checks in all', async () => {
  const { node, ids, secrets } = makeTestNode({ position: 0 }) // the honest sequencer
  const server = await listenHttp(createNodeApp(node).fetch, '127.0.0.1', 21530)
  const peer = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', node.context.network)
  const target = { id: node.id, socket: 'http://127.0.0.1:21530' }
  // Points of G1 that are not the signatures they claim to be, made once by the attacker.
  const points = Array.from({ length: 400 }, (_, n) =>
    bls.formatPoint(bls.sign(secrets[1]!, `junk ${n}`)),
  )
  try {
    // The key the two share (a pairing on each side) is made before counting.
    peer.signedHeaders('POST', node.id, '/node/switch', '{}')
    node.context.peers.signedHeaders('POST', ids[1]!, '/node/switch', '{}')
    const before = bls.pairingChecks()
    const statuses = new Set<number>()
    for (let n = 0; n < 100; n++) {
      const timestamp = Math.floor(Date.now() / 1000)
      const proofs = ids.map((id, k) => {
        const signature = points[(n * 4 + k) % points.length]!
        return { node_id: id, sequencer_id: ids[0], timestamp, signature }
      })
      statuses.add((await peer.send('POST', target, '/node/switch', { proofs }, 10_000)).status)
    }
    expect(bls.pairingChecks() - before).toBeLessThanOrEqual(8)
    expect([...statuses].every((status) => status === 403 || status === 429)).toBe(true)
    expect(node.role.sequencerId).toBe(ids[0])
  } finally {
    server.close()
    node.close()
  }
})

it('approves a switch request of valid proofs with one pairing check for all of them', async () => {
  const { node, ids, secrets } = makeTestNode({ position: 2 })
  const app = createNodeApp(node)
  const sender = new PeerClient(ids[3]!, secrets[3]!, 'v0.1.7', node.context.network)
  const timestamp = Math.floor(Date.now() / 1000)
  const proofs = [1, 3].map((position) => ({
    node_id: ids[position]!,
    sequencer_id: ids[0]!,
    timestamp,
    signature: bls.formatPoint(bls.sign(secrets[position]!, disputeMessage(ids[0]!, timestamp))),
  }))
  const body = JSON.stringify({ proofs })
  try {
    const headers = sender.signedHeaders('POST', node.id, '/node/switch', body)
    node.context.peers.signedHeaders('POST', ids[3]!, '/node/switch', '{}')
    const before = bls.pairingChecks()
    const response = await app.request('/node/switch', { method: 'POST', body, headers })
    expect(response.status).toBe(200)
    expect(bls.pairingChecks() - before).toBe(1)
    await waitFor(() => node.role.sequencerId === ids[1] && !node.role.paused, 10_000)
  } finally {
    node.close()
  }
})

it("limits each peer's disputes a second, apart from the other peers'", async () => {
  const clock = new ManualClock()
  const follower = await syncedFollower({ position: 2, clock, sequencerPort: 21540 })
  const { node, ids, secrets } = follower
  const app = createNodeApp(node)
  const peerOf = (position: number) =>
    new PeerClient(ids[position]!, secrets[position]!, 'v0.1.7', node.context.network, {
      now: clock.now,
    })
  const dispute = async (from: PeerClient, n: number) => {
    const body = JSON.stringify({
      sequencer_id: ids[0],
      apps_censored_batches: { a: `sample ${n}` },
      timestamp: Math.floor(clock.now() / 1000),
    })
    const headers = from.signedHeaders('POST', node.id, '/node/dispute', body)
    return (await app.request('/node/dispute', { method: 'POST', body, headers })).status
  }
  try {
    const flooder = peerOf(1)
    const statuses: number[] = []
    for (let n = 0; n < 25; n++) statuses.push(await dispute(flooder, n))
    expect(statuses).toEqual([...Array<number>(20).fill(404), ...Array<number>(5).fill(429)])
    expect(await dispute(peerOf(3), 0)).toBe(404) // another peer: its own budget
    clock.advance(1_000)
    expect(await dispute(flooder, 25)).toBe(404)
  } finally {
    follower.close()
  }
})
