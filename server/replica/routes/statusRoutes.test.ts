import { afterEach, expect, it } from 'vitest'
import { statusResponseSchema } from '../../../shared/api/index.ts'
import {
  InMemorySequencer,
  removeTemporaryFolders,
  startReplica,
  stopStartedReplicas,
  waitFor,
} from '../testing.ts'

afterEach(async () => {
  await stopStartedReplicas()
  removeTemporaryFolders()
})

/** A sequencer that counts how often it is asked for its last finalized index. */
function countingSequencer() {
  const sequencer = new InMemorySequencer()
  const asks = { count: 0 }
  const lastFinalized = sequencer.lastFinalized.bind(sequencer)
  sequencer.lastFinalized = () => {
    asks.count += 1
    return lastFinalized()
  }
  return { sequencer, asks }
}

it('Zellular is asked for its last finalized index when /status wants it, at most once per poll period', async () => {
  const { sequencer, asks } = countingSequencer()
  const replica = await startReplica({ sequencer, parameters: { finalizedPollMs: 300 } })
  // Nobody asks: an idle replica sends the nodes nothing for its status.
  await new Promise((resolve) => setTimeout(resolve, 700))
  expect(asks.count).toBe(0)

  sequencer.append('[]')
  sequencer.append('[]')
  await waitFor(() => replica.state.position.index === 2)
  const status = async () =>
    statusResponseSchema.parse(await (await replica.app.request('/status')).json())
  expect(await status()).toMatchObject({ zellularFinalizedIndex: 2, lag: 0 })
  expect(await status()).toMatchObject({ zellularFinalizedIndex: 2 })
  expect(asks.count).toBe(1)

  // A poll period later, the next status asks again and sees the new batch.
  sequencer.append('[]')
  await waitFor(() => replica.state.position.index === 3)
  await new Promise((resolve) => setTimeout(resolve, 350))
  expect(await status()).toMatchObject({ zellularFinalizedIndex: 3, lag: 0 })
  expect(asks.count).toBe(2)
})

it('a /status whose ask is slow answers within 200 ms with the last known index', async () => {
  const { sequencer } = countingSequencer()
  const replica = await startReplica({ sequencer, parameters: { finalizedPollMs: 50 } })
  sequencer.lastFinalized = () => new Promise(() => {})
  const started = performance.now()
  const answer = await (await replica.app.request('/status')).json()
  expect(performance.now() - started).toBeLessThan(600)
  expect(statusResponseSchema.parse(answer)).toMatchObject({ zellularFinalizedIndex: null })
})
