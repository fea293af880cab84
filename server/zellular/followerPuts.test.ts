import { afterAll, beforeAll, expect, it } from 'vitest'
import type { LocalNetwork } from '../devnet/localNetwork.ts'
import { finalizedIndex, startReadyNetwork, waitFor } from './testing.ts'

// What a batch costs in follower PUTs on a quiet network of our nodes (`wakeOnWork`): each PUT
// is MAC'd, parsed, checked and answered on both sides, and under load every one of them takes
// CPU from the rounds. A follower's held PUT ends with news it needs: the batch, then its
// finalization. A lock alone is no such news (the finalization's sign request carries its
// proof), and what a follower learned is reported by its next PUT, the held one, not by an
// extra PUT of its own.

const APP = 'simple_app'
const BATCHES = 6
let network: LocalNetwork

beforeAll(async () => {
  network = await startReadyNetwork('follower-puts', 16701, [APP])
})
afterAll(() => network?.stop())

/** The `PUT /sequencer/batches` the sequencer (the lowest id, position 0) has answered. */
async function followerPuts(sequencerUrl: string): Promise<number> {
  const response = await fetch(`${sequencerUrl}/debug/requests`)
  const { requests } = (await response.json()) as { requests: Record<string, number> }
  return requests['PUT /sequencer/batches'] ?? 0
}

it('a batch costs each follower two PUTs on a quiet network: one brings it, one its finalization', async () => {
  const urls = network.urls()
  const sequencer = urls[0]!
  const followers = urls.slice(1)
  const before = await followerPuts(sequencer)
  const start = await finalizedIndex(sequencer, APP)
  for (let n = 1; n <= BATCHES; n++) {
    const response = await fetch(`${followers[n % followers.length]}/node/${APP}/batches`, {
      method: 'PUT',
      body: JSON.stringify([{ n }]),
      headers: { 'Content-Type': 'text/plain' },
    })
    expect(response.status).toBe(200)
    // One batch at a time, finalized on every node before the next: each its own round.
    for (const url of urls) await waitFor(async () => (await finalizedIndex(url, APP)) >= start + n)
  }
  const perBatch = ((await followerPuts(sequencer)) - before) / BATCHES
  // 3 followers × 2, plus the receiving follower's PUT carrying the batch (its held PUT ends
  // for it) and some slack for a hold that ends on its own or a PUT that crosses news. With a
  // report PUT after each lock and finalization, and holds ended by locks, it was ~16.
  expect(perBatch).toBeGreaterThanOrEqual(6)
  expect(perBatch).toBeLessThanOrEqual(10)
})
