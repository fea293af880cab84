import { beforeAll, expect, it } from 'vitest'
import { authMessage, bls, initZellular } from '../../shared/zellular/index.ts'
import {
  FRESHNESS_HEADER,
  FRESHNESS_MAC_HEADER,
  FRESHNESS_WINDOW_MS,
  ReplayGuard,
} from './freshness.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import { syncedFollower, testSecrets } from './testNodes.ts'

beforeAll(() => initZellular())

/** Node 3 (a follower of node 1) and a signed dispute from node 2, as a peer sends it. */
async function setup(clockMs = Date.now()) {
  const { node, ids, secrets, close } = await syncedFollower({ position: 2 })
  const app = createNodeApp(node)
  const peer = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', node.context.network, {
    now: () => clockMs,
  })
  const body = JSON.stringify({
    sequencer_id: ids[0],
    // A censored sample makes the node check the signature, then judge (404, probe queued).
    apps_censored_batches: { a: 'sample' },
    timestamp: Math.floor(Date.now() / 1000),
  })
  const send = (headers: Record<string, string>) =>
    app.request('/node/dispute', { method: 'POST', body, headers })
  return { node, ids, secrets, peer, body, send, close }
}

const codeOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; message: string } }).error

it('takes a signed node request once: a replay is refused', async () => {
  const { node, peer, body, send, close } = await setup()
  try {
    const headers = peer.signedHeaders('POST', node.id, '/node/dispute', body)
    const first = await send(headers)
    expect(first.status).toBe(404) // accepted, judged: no issue with the sequencer
    const replay = await send(headers)
    expect(replay.status).toBe(403)
    expect((await codeOf(replay)).message).toMatch(/replayed/)
  } finally {
    close()
  }
})

it('refuses a request signed for another node, another route, or outside the time window', async () => {
  const { node, ids, peer, body, send, close } = await setup()
  try {
    const elsewhere = peer.signedHeaders('POST', ids[3]!, '/node/dispute', body)
    expect(await codeOf(await send(elsewhere))).toMatchObject({ code: 'PermissionDeniedError' })
    const otherRoute = peer.signedHeaders('POST', node.id, '/node/switch', body)
    expect((await send(otherRoute)).status).toBe(403)
    const { peer: stale, close: closeOther } = await setup(Date.now() - 60_000)
    closeOther()
    expect((await send(stale.signedHeaders('POST', node.id, '/node/dispute', body))).status).toBe(
      403,
    )
  } finally {
    close()
  }
})

it("refuses zsequencer's body-only signature, which can be replayed", async () => {
  const { node, peer, body, send, close } = await setup()
  try {
    const headers: Record<string, string> = peer.signedHeaders(
      'POST',
      node.id,
      '/node/dispute',
      body,
    )
    delete headers[FRESHNESS_HEADER]
    delete headers[FRESHNESS_MAC_HEADER]
    expect((await send(headers)).status).toBe(403)
  } finally {
    close()
  }
})

it("signs zsequencer's Signature header for zsequencer peers, and takes requests without it", async () => {
  const { node, ids, secrets, body, send, close } = await setup()
  const { network } = node.context
  const withHeader = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', network)
  const without = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', network, {
    signatureHeader: false,
  })
  try {
    const signature = withHeader.signedHeaders('POST', node.id, '/node/dispute', body).Signature
    // What a zsequencer peer checks: BLS over the body's xxh128, under the sender's key.
    expect(network.verifyOperatorSignature(ids[1]!, authMessage(body), signature!)).toBe(true)
    const headers = without.signedHeaders('POST', node.id, '/node/dispute', body)
    expect(headers).not.toHaveProperty('Signature')
    // The freshness MAC alone authenticates it here (404: taken, the sample then judged).
    expect((await send(headers)).status).toBe(404)
  } finally {
    close()
  }
})

it("refuses a request MAC'd by another operator in the signer's name, or with a signer changed", async () => {
  const { node, ids, body, send, close } = await setup()
  try {
    const secrets = testSecrets()
    const impostor = new PeerClient(ids[1]!, secrets[3]!, 'v0.1.7', node.context.network)
    const forged = impostor.signedHeaders('POST', node.id, '/node/dispute', body)
    expect(await codeOf(await send(forged))).toMatchObject({ message: 'Bad signature.' })
    const honest = new PeerClient(ids[3]!, secrets[3]!, 'v0.1.7', node.context.network)
    const renamed = { ...honest.signedHeaders('POST', node.id, '/node/dispute', body) }
    renamed.Signer = ids[1]!
    expect(await codeOf(await send(renamed))).toMatchObject({ message: 'Bad signature.' })
    // The same MAC in upper case would pass a byte comparison and dodge the replay guard.
    const shouted = { ...honest.signedHeaders('POST', node.id, '/node/dispute', body) }
    shouted[FRESHNESS_MAC_HEADER] = shouted[FRESHNESS_MAC_HEADER]!.toUpperCase()
    expect(await codeOf(await send(shouted))).toMatchObject({ message: 'Bad signature.' })
    expect((await send(honest.signedHeaders('POST', node.id, '/node/dispute', body))).status).toBe(
      404,
    )
  } finally {
    close()
  }
})

it('authenticates node requests without a pairing check, once the two nodes share a key', async () => {
  const { node, ids, body, send, close } = await setup()
  // A request a millisecond: the same request twice in one would be a replay.
  let clockMs = Date.now()
  const peer = new PeerClient(ids[1]!, testSecrets()[1]!, 'v0.1.7', node.context.network, {
    now: () => clockMs++,
  })
  try {
    const accepted = async () =>
      expect((await send(peer.signedHeaders('POST', node.id, '/node/dispute', body))).status).toBe(
        404,
      )
    await accepted() // derives the shared key on each side: one pairing each
    const before = bls.pairingChecks()
    for (let i = 0; i < 10; i++) await accepted()
    expect(bls.pairingChecks()).toBe(before)
  } finally {
    close()
  }
})

it('derives the key it shares with a peer once, for what it sends and what it checks', async () => {
  const { node, ids, body, send, close } = await setup()
  const peer = new PeerClient(ids[1]!, testSecrets()[1]!, 'v0.1.7', node.context.network)
  try {
    peer.signedHeaders('POST', node.id, '/node/dispute', '{}') // the peer's side of the key
    node.context.peers.signedHeaders('POST', ids[1]!, '/node/dispute', '{}') // this node's side
    const before = bls.pairingChecks()
    expect((await send(peer.signedHeaders('POST', node.id, '/node/dispute', body))).status).toBe(
      404,
    )
    expect(bls.pairingChecks()).toBe(before)
  } finally {
    close()
  }
})

it("remembers each peer's requests apart: one peer's flood cannot refuse another's", async () => {
  const { node, ids, secrets, close } = await syncedFollower({ position: 2, sequencerPort: 21520 })
  const app = createNodeApp(node)
  const path = '/node/dispute'
  const dispute = (from: PeerClient, n: number) => {
    const body = JSON.stringify({
      sequencer_id: ids[0],
      apps_censored_batches: { a: 'sample' },
      timestamp: Math.floor(Date.now() / 1000),
      n,
    })
    const headers = from.signedHeaders('POST', node.id, path, body)
    return app.request(path, { method: 'POST', body, headers })
  }
  // Dated 9 s ahead, each request of the flood stays remembered for 19 s.
  const network = node.context.network
  const flooder = new PeerClient(ids[1]!, secrets[1]!, 'v0.1.7', network, {
    now: () => Date.now() + 9_000,
  })
  const honest = new PeerClient(ids[3]!, secrets[3]!, 'v0.1.7', network)
  try {
    for (let n = 0; n < 50_000; n++) await dispute(flooder, n)
    const answer = await dispute(honest, 0)
    expect(answer.status).toBe(404) // taken, then judged: no problem seen here
  } finally {
    close()
  }
})

it("bounds each signer's remembered requests: a full signer is refused until its entries expire", () => {
  const guard = new ReplayGuard(3)
  const now = 1_700_000_000_000
  for (const mac of ['a1', 'a2', 'a3']) expect(guard.admit('0xa', mac, now, now)).toBe('fresh')
  expect(guard.admit('0xa', 'a4', now, now)).toBe('full')
  expect(guard.admit('0xa', 'a1', now, now)).toBe('replayed')
  expect(guard.admit('0xb', 'a4', now, now)).toBe('fresh') // another signer, its own bound
  const later = now + FRESHNESS_WINDOW_MS + 1
  expect(guard.admit('0xa', 'a4', later, later)).toBe('fresh')
  expect(guard.admit('0xa', 'a1', later, later)).toBe('fresh') // out of the window: forgotten
})
