import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { answer, fakePeer, makeTestNode, ManualClock } from './testNodes.ts'

beforeAll(() => initZellular())

it('disputes a batch left unfinalized past the finalization border of its own clock', async () => {
  // A sequencer on 127.0.0.1 that sequences one batch and never locks or finalizes it.
  const sequencer = await fakePeer((_request, _body, response) =>
    answer(response, 200, {
      status: 'success',
      message: 'Operation successful',
      data: {
        batches: ['b1'],
        last_finalized_index: 0,
        finalized_signatures: [],
        last_locked_signature: null,
      },
    }),
  )
  const clock = new ManualClock()
  const sockets = [sequencer.url, 'http://127.0.0.1:1', 'http://127.0.0.1:1', 'http://127.0.0.1:1']
  const borderMs = 10_000
  const { node } = makeTestNode({
    position: 1,
    sockets,
    clock,
    config: { finalizationTimeBorderMs: borderMs },
  })
  try {
    await node.poster.post()
    expect(node.poster.synced).toBe(true)
    expect(node.logs.get('a').lastSequenced).toBe(1)
    expect(node.disputer.reason()).toBeNull()
    clock.advance(borderMs)
    expect(node.disputer.reason()).toBeNull() // waited exactly the border: not yet late
    clock.advance(1)
    expect(node.disputer.reason()).toBe('finalization delayed')
  } finally {
    node.close()
    sequencer.close()
  }
})
