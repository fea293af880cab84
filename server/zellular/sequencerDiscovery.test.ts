import { afterAll, beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { answer, fakePeer, makeTestNode } from './testNodes.ts'

beforeAll(() => initZellular())
const closing: (() => void)[] = []
afterAll(() => closing.forEach((close) => close()))

it('takes the sequencer role when a threshold of peers follows this node', async () => {
  // Node 1 follows node 2 while nodes 2, 3 and 4 follow node 1: each answers the other "not the
  // sequencer", and before, recovery kept node 1 following node 2 for good (chaos seed 212).
  let ids: string[] = []
  const peers = await Promise.all(
    [1, 2, 3].map(() =>
      fakePeer((request, _body, response) =>
        request.url === '/node/state'
          ? answer(response, 200, { status: 'success', data: { sequencer_id: ids[0] } })
          : answer(response, 404, { status: 'error' }),
      ),
    ),
  )
  for (const peer of peers) closing.push(() => peer.close())
  const made = makeTestNode({
    position: 0,
    sockets: ['http://127.0.0.1:1', ...peers.map((p) => p.url)],
  })
  ids = made.ids
  closing.push(() => made.node.close())
  made.node.switcher.adopt(ids[1]!)
  expect(made.node.role.sequencerId).toBe(ids[1])
  await made.node.switcher.recover()
  expect(made.node.role.sequencerId).toBe(ids[0])
  expect(made.node.role.isSequencer).toBe(true)
})

it('still follows another node only if that node claims the role itself', async () => {
  let ids: string[] = []
  // Two peers say node 3, but node 3 says node 1: no self-claimed candidate, keep following.
  const peers = await Promise.all(
    [1, 2, 3].map((position) =>
      fakePeer((request, _body, response) =>
        request.url === '/node/state'
          ? answer(response, 200, {
              status: 'success',
              data: { sequencer_id: position === 2 ? ids[0] : ids[2] },
            })
          : answer(response, 404, { status: 'error' }),
      ),
    ),
  )
  for (const peer of peers) closing.push(() => peer.close())
  const made = makeTestNode({
    position: 0,
    sockets: ['http://127.0.0.1:1', ...peers.map((p) => p.url)],
  })
  ids = made.ids
  closing.push(() => made.node.close())
  made.node.switcher.adopt(ids[1]!)
  await made.node.switcher.recover()
  expect(made.node.role.sequencerId).toBe(ids[1])
})
