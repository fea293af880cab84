import { writeFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { txResponseSchema } from '../../shared/api/index.ts'
import { signIntent } from '../../shared/exchange/testing.ts'
import { intentId, parseAddress } from '../../shared/intents/index.ts'
import {
  alice,
  bob,
  InMemorySequencer,
  startReplica,
  stopStartedReplicas,
  temporaryDatabaseFile,
  testTokens,
  waitFor,
} from './testing.ts'

afterEach(stopStartedReplicas)

/** Posts alice's transfer to bob to a fresh replica writing `encoding`; its batch's items. */
async function itemsPosted(encoding?: 'compact' | 'json'): Promise<unknown[]> {
  const sequencer = new InMemorySequencer()
  const parameters = encoding === undefined ? {} : { batchEncoding: encoding }
  const replica = await startReplica({ sequencer, parameters })
  const before = replica.state.exchange.ledger.available(bob.address, 'USDT')
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
  await waitFor(() => replica.state.exchange.ledger.available(bob.address, 'USDT') > before)
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

describe('a journal of acknowledged intents', () => {
  it('written with wire JSON items is still read and sent again after a restart', async () => {
    const wire = signIntent(alice, testTokens, {
      action: 'transfer',
      nonce: '7',
      to: bob.address,
      token: 'USDT',
      amount: '3',
    })
    const signer = parseAddress(wire.signer)
    if (!signer.ok) throw new Error(signer.reason)
    const id = intentId({ ...wire, signer: signer.value, nonce: 7n })
    // As a replica that wrote the wire JSON left it: acknowledged, never sent.
    const databaseFile = temporaryDatabaseFile()
    const line = { id, wire: JSON.stringify(wire) }
    writeFileSync(`${databaseFile}.pending.jsonl`, `${JSON.stringify(line)}\n`)
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({ sequencer, databaseFile })
    const status = async () =>
      txResponseSchema.parse(await (await replica.app.request(`/tx/${id}`)).json()).status
    await waitFor(async () => (await status()) === 'applied', 10_000)
    expect(sequencer.bodies.map((body) => JSON.parse(body) as unknown)).toEqual([[wire]])
  })
})
