import type { Socket } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import {
  connectFrom,
  finalizedBodies,
  putBatchFrom,
  requestFrom,
  startReadyNetwork,
  waitFor,
} from './testing.ts'

// One client that floods a follower (here from 127.0.0.2) with more than it can forward at once
// must delay its own batches, not everyone's: the follower forwards its clients in turn. The
// network's bandwidth is cut so that a follower forwards 16 KB a second (256 KB a window over
// 4 nodes, of which a quarter is each posting node's), four of the flood's 4 KB batches. Nor
// may one client hold every connection a node process can take.

const APP = 'simple_app'
const FLOOD = 40
let network: LocalNetwork

beforeAll(async () => {
  network = await startReadyNetwork('fair-intake', 16901, [APP], {
    ZSEQUENCER_BANDWIDTH_KB_PER_WINDOW: '256',
  })
})
afterAll(() => network?.stop())

it("a client's flood of a follower delays its own batches, not another client's", async () => {
  const [sequencer, follower] = network.urls() as [string, string]
  const flood = Array.from({ length: FLOOD }, (_, n) => `flood-${n}-`.padEnd(4_000, 'f'))
  for (const body of flood) {
    expect((await putBatchFrom('127.0.0.2', follower, APP, body)).status).toBe(200)
  }
  const honest = JSON.stringify([{ from: '127.0.0.1' }])
  expect((await putBatchFrom('127.0.0.1', follower, APP, honest)).status).toBe(200)

  let finalized: string[] = []
  await waitFor(async () => {
    finalized = await finalizedBodies(sequencer, APP)
    return finalized.includes(honest)
  }, 60_000)
  const floodFirst = finalized.slice(0, finalized.indexOf(honest)).length
  // In arrival order all 40 would go first (10 s of forwarding); in turn, only what went out
  // while the flood was being sent, and one more.
  expect(floodFirst).toBeLessThan(FLOOD / 2)

  // The flood is delayed, not lost: all of it is finalized, once each.
  await waitFor(async () => {
    finalized = await finalizedBodies(sequencer, APP)
    return flood.every((body) => finalized.includes(body))
  }, 60_000)
  expect(finalized.filter((body) => body.startsWith('flood-'))).toHaveLength(FLOOD)
}, 120_000)

it('holds at most 256 connections of one client address; another still gets in', async () => {
  const [, follower] = network.urls() as [string, string]
  const held: Socket[] = []
  try {
    const opened = await Promise.all(
      Array.from({ length: 256 }, () => connectFrom('127.0.0.2', follower)),
    )
    for (const socket of opened) if (socket !== 'closed') held.push(socket)
    expect(held).toHaveLength(256)
    expect(await connectFrom('127.0.0.2', follower)).toBe('closed')
    expect((await requestFrom('127.0.0.1', follower, 'GET', '/node/state')).status).toBe(200)
  } finally {
    for (const socket of held) socket.destroy()
  }
})
