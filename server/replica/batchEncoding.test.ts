import { afterEach, describe, expect, it } from 'vitest'
import { signIntent } from '../../shared/exchange/testing.ts'
import {
  alice,
  bob,
  InMemorySequencer,
  startReplica,
  stopStartedReplicas,
  testTokens,
  waitFor,
} from './testing.ts'

afterEach(stopStartedReplicas)

/** Posts alice's transfer to bob to a fresh replica writing `encoding`; its batch's items. */
async function itemsPosted(encoding?: 'compact' | 'json'): Promise<unknown[]> {
  const sequencer = new InMemorySequencer()
  const parameters = encoding === undefined ? {} : { batchEncoding: encoding }
  const replica = await startReplica({ sequencer, parameters })
  const wire = signIntent(alice, testTokens, {
    action: 'transfer',
    nonce: '1',
    to: bob.address,
    token: 'USDT',
    amount: '2.5',
  })
  const response = await replica.app.request('/transfer', {
    method: 'POST',
    body: JSON.stringify(wire),
    headers: { 'Content-Type': 'application/json' },
  })
  expect(response.status).toBe(202)
  await waitFor(() => replica.state.exchange.ledger.available(bob.address, 'USDT') > 0n)
  expect(sequencer.bodies).toHaveLength(1)
  return JSON.parse(sequencer.bodies[0]!) as unknown[]
}

describe('the batches a replica posts', () => {
  it('carry intents in the compact form by default, and apply', async () => {
    const [item] = await itemsPosted()
    expect(item).toEqual([
      'transfer',
      expect.stringMatching(/^[\w-]{27}$/),
      '1',
      expect.stringMatching(/^[\w-]{27}$/),
      'USDT',
      '2.5',
      expect.stringMatching(/^[\w-]{87}$/),
    ])
  })

  it('carry the wire objects with batchEncoding json (REPLICA_BATCH_ENCODING)', async () => {
    const [item] = await itemsPosted('json')
    expect(item).toMatchObject({ action: 'transfer', signer: alice.address, amount: '2.5' })
  })
})
