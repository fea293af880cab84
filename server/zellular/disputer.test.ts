import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { unixSeconds, type Clock } from './clock.ts'
import type { NodeConfig } from './config.ts'
import { PeerClient } from './peers.ts'
import { createNodeApp } from './routes.ts'
import {
  answer,
  fakePeer,
  makeTestNode,
  ManualClock,
  sequencerAnswer,
  signedProof,
  signedTimeLock,
} from './testNodes.ts'

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

it('disputes a sequencer that gathered a finalization this node signed and never showed it', async () => {
  // Asking for signatures all along, it is not silent: without this it was replaced only at the
  // finalization border. Real time: the sign requests carry signed, fresh timestamps.
  const silenceMs = 400
  const { node, ids, secrets, close } = await followerOfANonFinalizingSequencer({
    finalizationTimeBorderMs: 10_000,
    signSilenceBorderMs: silenceMs,
    signWaitMs: 0,
  })
  try {
    const app = createNodeApp(node)
    const sequencer = new PeerClient(ids[0]!, secrets[0]!, 'v0.1.7', node.context.network)
    const ask = async (path: string, request: object) => {
      const body = JSON.stringify(request)
      const headers = sequencer.signedHeaders('POST', node.id, path, body)
      return app.request(path, { method: 'POST', body, headers })
    }
    const log = node.logs.get('a')
    const now = unixSeconds(node.context.clock)
    const point = { app_name: 'a', index: 1, chaining_hash: log.chainingHashAt(1), parent_index: 0 }
    const lockPoint = { ...point, state: 'sequenced' as const, timestamp: 0 }
    const lock = { ...lockPoint, tag: 0, ...signedProof(lockPoint, [0, 2, 3]) }
    const finalization = { ...point, state: 'locked' as const, timestamp: now }
    const timeLock = signedTimeLock(finalization, now * 1000)
    const signed = await ask('/node/sign_sync_point', {
      ...finalization,
      proofs: [lock],
      time_lock: timeLock,
    })
    expect(signed.status).toBe(200)
    // Asked all the while (a point it cannot sign), as the withholding sequencer asks again.
    const keepAsking = async (forMs: number) => {
      const started = Date.now()
      while (Date.now() - started < forMs) {
        const refused = await ask('/node/sign_sync_point', { ...lockPoint, index: 5 })
        expect(refused.status).toBeGreaterThanOrEqual(400)
        await new Promise((resolve) => setTimeout(resolve, silenceMs / 4))
      }
    }
    await keepAsking(silenceMs / 2)
    expect(node.disputer.reason()).toBeNull()
    await keepAsking(silenceMs + 100)
    expect(node.disputer.reason()).toBe('finalization withheld')
    // Shown at last: nothing to dispute.
    const proof = { ...finalization, tag: 0, ...signedProof(finalization, [0, 2, 3]) }
    expect(node.chain.promote('a', proof)).toBeNull()
    expect(node.disputer.reason()).toBeNull()
  } finally {
    close()
  }
})
