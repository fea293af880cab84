import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { answer, fakePeer, makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())

for (const [name, body] of [
  ['batches that are not a list', { status: 'success', data: { batches: 5 } }],
  ['no data', { status: 'success' }],
  ['not JSON', '<html>'],
] as const) {
  it(`a sequencer answering with ${name} counts as down (a dispute follows), not as a crash`, async () => {
    const sequencer = await fakePeer((_request, _body, response) => answer(response, 200, body))
    const sockets = [
      sequencer.url,
      'http://127.0.0.1:1',
      'http://127.0.0.1:1',
      'http://127.0.0.1:1',
    ]
    const { node } = makeTestNode({ position: 1, sockets })
    try {
      node.outbox.enqueue('a', ['hello'])
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
