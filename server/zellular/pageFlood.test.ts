import { afterEach, beforeAll, expect, it } from 'vitest'
import { chainHash, chainHashes, initZellular } from '../../shared/zellular/index.ts'
import { pageBatchLimit } from '../../shared/zellular/index.ts'
import {
  answer,
  fakeCatchUpPeer,
  fakePeer,
  makeTestNode,
  sequencerAnswer,
  signedProof,
} from './testNodes.ts'

/*
 * A peer's answer may be as large as the peer-response cap (32 MB): ~11 million empty batches,
 * whose chaining hashes alone held a node's event loop for ~19 s. A node refuses an answer or
 * page of more batches than an honest node's page holds (`pageBatchLimit`) before it hashes
 * any: `chainHashes` does not move. Ports 20860–20869.
 */

beforeAll(() => initZellular())

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** Far more empty batches than a page of the test network holds (10,001), in ~150 KB. */
const FLOOD = 50_000

it('a follower refuses a sequencer answer of more batches than a page holds, hashing none', async () => {
  let hashesBefore: number | undefined
  const sequencer = await fakePeer((_request, _body, response) => {
    hashesBefore ??= chainHashes()
    const data = { batches: Array.from({ length: FLOOD }, () => ''), last_finalized_index: 0 }
    answer(response, 200, sequencerAnswer(data))
  }, 20_860)
  cleanups.push(() => sequencer.close())
  const sockets = [sequencer.url, 'http://127.0.0.1:20861', 'http://127.0.0.1:20862', 'x']
  const { node } = makeTestNode({ position: 3, sockets })
  cleanups.push(() => node.close())
  expect(pageBatchLimit(node.context.pageCapBytes)).toBeLessThan(FLOOD)

  await node.poster.post()

  expect(hashesBefore).toBeDefined()
  expect(chainHashes() - hashesBefore!).toBe(0)
  expect(node.logs.get('a').lastSequenced).toBe(0)
  expect(node.poster.sequencerDown).toBe(true) // a dispute follows
})

it('a follower takes a sequencer answer of as many empty batches as a page of ours holds', async () => {
  const sockets = ['http://127.0.0.1:20863', 'http://127.0.0.1:20864', 'x', 'y']
  const limit = pageBatchLimit(makeTestNode({ position: 3, sockets }).node.context.pageCapBytes)
  const sequencer = await fakePeer((_request, _body, response) => {
    const data = { batches: Array.from({ length: limit }, () => ''), last_finalized_index: 0 }
    answer(response, 200, sequencerAnswer(data))
  }, 20_863)
  cleanups.push(() => sequencer.close())
  const { node } = makeTestNode({ position: 3, sockets: [sequencer.url, ...sockets.slice(1)] })
  cleanups.push(() => node.close())

  await node.poster.post()

  expect(node.logs.get('a').lastSequenced).toBe(limit)
  expect(node.poster.sequencerDown).toBe(false)
})

it('a node catching up at a switch refuses a peer page of more batches than a page holds, hashing none', async () => {
  // A finalized history of FLOOD empty batches: an honest peer pages it in pages of 10,001.
  const first = chainHash('', '')
  let hash = ''
  for (let n = 0; n < FLOOD; n++) hash = chainHash(hash, '')
  const point = {
    app_name: 'a',
    state: 'locked' as const,
    index: FLOOD,
    parent_index: 0,
    chaining_hash: hash,
    timestamp: 1_700_000_000,
  }
  const target = { ...point, ...signedProof(point, [0, 1, 2]), tag: 0 }
  let hashesBefore: number | undefined
  const peer = await fakeCatchUpPeer(
    target,
    () => {
      hashesBefore ??= chainHashes()
      // All of it in one page.
      const batches = Array.from({ length: FLOOD }, () => '')
      return { batches, first_chaining_hash: first, finalized_signatures: [] }
    },
    20_865,
  )
  cleanups.push(() => peer.close())
  const sockets = ['http://127.0.0.1:20866', 'http://127.0.0.1:20867', peer.url, 'x']
  const { node, ids } = makeTestNode({ position: 3, sockets })
  cleanups.push(() => node.close())

  await node.switcher.switchTo(ids[1]!, ids[0]!)

  expect(hashesBefore).toBeDefined()
  expect(chainHashes() - hashesBefore!).toBe(0)
  expect(node.logs.get('a').lastSequenced).toBe(0)
})
