import { afterAll, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { answer, fakePeer, makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())
const closing: (() => void)[] = []
afterAll(() => closing.forEach((close) => close()))

/**
 * Node 1 (position 0) with three fake peers whose `/node/state` names `sequencerOf(position)`
 * (1–3) as their sequencer, following node 2 to begin with.
 */
async function nodeWithPeers(sequencerOf: (position: number, ids: string[]) => string) {
  let ids: string[] = []
  const peers = await Promise.all(
    [1, 2, 3].map((position) =>
      fakePeer((request, _body, response) =>
        request.url === '/node/state'
          ? answer(response, 200, {
              status: 'success',
              data: { sequencer_id: sequencerOf(position, ids) },
            })
          : answer(response, 404, { status: 'error' }),
      ),
    ),
  )
  for (const peer of peers) closing.push(() => peer.close())
  const sockets = ['http://127.0.0.1:1', ...peers.map((peer) => peer.url)]
  const made = makeTestNode({ position: 0, sockets })
  ids = made.ids
  closing.push(() => made.node.close())
  made.node.switcher.adopt(ids[1]!)
  return made
}

it('takes the sequencer role when a threshold of peers follows this node', async () => {
  // Node 1 follows node 2 while nodes 2, 3 and 4 follow node 1: each answers the other "not the
  // sequencer", and before, recovery kept node 1 following node 2 for good (chaos seed 212).
  const { node, ids } = await nodeWithPeers((_position, ids) => ids[0]!)
  expect(node.role.sequencerId).toBe(ids[1])
  await node.switcher.recover()
  expect(node.role.sequencerId).toBe(ids[0])
  expect(node.role.isSequencer).toBe(true)
})

it('still follows another node only if that node claims the role itself', async () => {
  // Two peers say node 3, but node 3 says node 1: no self-claimed candidate, keep following.
  const { node, ids } = await nodeWithPeers((position, ids) => (position === 2 ? ids[0]! : ids[2]!))
  await node.switcher.recover()
  expect(node.role.sequencerId).toBe(ids[1])
})
