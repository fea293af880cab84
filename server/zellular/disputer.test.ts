import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import type { Clock } from './clock.ts'
import type { NodeConfig } from './config.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import { answer, fakePeer, makeTestNode, ManualClock, sequencerAnswer } from './testNodes.ts'

beforeAll(() => initZellular())

/**
 * A follower (position 1) synced with a sequencer on 127.0.0.1 that sequences one batch and
 * never locks or finalizes it; the other peers are unreachable.
 */
async function followerOfANonFinalizingSequencer(config: Partial<NodeConfig>, clock?: Clock) {
  const sequencer = await fakePeer((_request, _body, response) =>
    answer(response, 200, sequencerAnswer({ batches: ['b1'] })),
  )
  const sockets = [sequencer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const { node, ids, secrets } = makeTestNode({
    position: 1,
    sockets,
    config,
    ...(clock === undefined ? {} : { clock }),
  })
  await node.poster.post()
  expect(node.poster.synced).toBe(true)
  expect(node.logs.get('a').lastSequenced).toBe(1)
  const close = () => {
    node.close()
    sequencer.close()
  }
  return { node, ids, secrets, close }
}

it('disputes a batch left unfinalized past the finalization border of its own clock', async () => {
  const clock = new ManualClock()
  const borderMs = 10_000
  const { node, close } = await followerOfANonFinalizingSequencer(
    { finalizationTimeBorderMs: borderMs, signSilenceBorderMs: 0 },
    clock,
  )
  try {
    expect(node.disputer.reason()).toBeNull()
    clock.advance(borderMs)
    expect(node.disputer.reason()).toBeNull() // waited exactly the border: not yet late
    clock.advance(1)
    expect(node.disputer.reason()).toBe('finalization delayed')
  } finally {
    close()
  }
})

it('disputes, well before the finalization border, a sequencer that asks for no signature while a batch waits', async () => {
  // A sequencer that answers PUTs but whose own requests are cut off (or that will not gather
  // signatures) was replaced only at the finalization border: 10 s on the local network.
  const clock = new ManualClock()
  const { node, close } = await followerOfANonFinalizingSequencer(
    { finalizationTimeBorderMs: 10_000, signSilenceBorderMs: 3_000 },
    clock,
  )
  try {
    clock.advance(3_000)
    expect(node.disputer.reason()).toBeNull()
    clock.advance(1)
    expect(node.disputer.reason()).toBe('no signature asked for')
  } finally {
    close()
  }
})

it('does not dispute for silence a sequencer that keeps asking to sign, even points it is refused', async () => {
  // The sequencer is trying (its rounds may lack other peers): only the finalization border
  // judges it then. Real time: the sign requests carry signed, fresh timestamps.
  const silenceMs = 400
  const { node, ids, secrets, close } = await followerOfANonFinalizingSequencer({
    finalizationTimeBorderMs: 10_000,
    signSilenceBorderMs: silenceMs,
    signWaitMs: 0, // refused at once, not held for batches on their way
  })
  try {
    const app = createNodeApp(node)
    const sequencer = new PeerClient(ids[0]!, secrets[0]!, 'v0.1.7', node.context.network)
    const path = '/node/sign_sync_point'
    // A point this node cannot sign (it never sequenced index 5): refused, but asked.
    const body = JSON.stringify({
      app_name: 'a',
      state: 'sequenced',
      index: 5,
      chaining_hash: '00',
      parent_index: 0,
      timestamp: 0,
    })
    const started = Date.now()
    while (Date.now() - started < 3 * silenceMs) {
      const headers = sequencer.signedHeaders('POST', node.id, path, body)
      const response = await app.request(path, { method: 'POST', body, headers })
      expect(response.status).toBeGreaterThanOrEqual(400)
      expect(node.disputer.reason()).toBeNull()
      await new Promise((resolve) => setTimeout(resolve, silenceMs / 4))
    }
    await new Promise((resolve) => setTimeout(resolve, silenceMs + 50))
    expect(node.disputer.reason()).toBe('no signature asked for')
  } finally {
    close()
  }
})
