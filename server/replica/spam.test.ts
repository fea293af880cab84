import { afterAll, beforeAll, expect, it } from 'vitest'
import { txResponseSchema } from '../../shared/api/index.ts'
import { signIntent, testAccount } from '../../shared/exchange/testing.ts'
import {
  createTokenRegistry,
  intentId,
  type Address,
  type WireIntent,
} from '../../shared/intents/index.ts'
import type { Replica } from './replica.ts'
import {
  createTestReplica,
  InMemorySequencer,
  testGenesis,
  traders,
  waitFor,
  sqliteOf,
} from './testing.ts'

/*
 * Anyone can put batches straight into Zellular for this app, skipping every pre-check. A
 * batch of garbage and of intents from keys without an account must leave the replica's state
 * (its hash, and every table the state lives in) exactly as it was.
 */

const tokens = createTokenRegistry(testGenesis.tokens)
const [alice] = traders as [(typeof traders)[0]]
let sequencer: InMemorySequencer
let replica: Replica
let running: Promise<void>

beforeAll(async () => {
  sequencer = new InMemorySequencer()
  replica = await createTestReplica({ sequencer })
  running = replica.start()
  // Some state to keep: Alice rests an order.
  sequencer.append(
    JSON.stringify([
      signIntent(alice, tokens, {
        action: 'order',
        nonce: '1',
        market: 'ETH/USDT',
        side: 'buy',
        type: 'limit',
        price: '1990',
        quantity: '1',
        timeInForce: 'GTC',
      }),
    ]),
  )
  await waitFor(() => replica.state.position.index === 1)
})
afterAll(async () => {
  await replica.stop()
  await running
})

/** Intent `n` of the spam: one of seven kinds, from fresh key `n`. */
function spamIntent(n: number): WireIntent | unknown {
  const stranger = testAccount(20_000 + n)
  const nonce = String(1 + (n % 1_000))
  switch (n % 8) {
    case 0:
      return signIntent(stranger, tokens, {
        action: 'transfer',
        nonce,
        to: alice.address,
        token: 'USDT',
        amount: '1',
      })
    case 1:
      return signIntent(stranger, tokens, {
        action: 'order',
        nonce,
        market: 'ETH/USDT',
        side: n % 3 === 0 ? 'sell' : 'buy',
        type: 'limit',
        price: '2000',
        quantity: '0.5',
        timeInForce: 'GTC',
      })
    case 2:
      return signIntent(stranger, tokens, { action: 'cancelAll', nonce, market: 'ETH/USDT' })
    case 3:
      return signIntent(stranger, tokens, {
        action: 'mint',
        nonce,
        to: stranger.address,
        token: 'USDT',
        amount: '1000',
      })
    case 4:
      // Expired at this replica's batch time (0): nonces must be below one day.
      return signIntent(stranger, tokens, {
        action: 'cancelAll',
        nonce: '999999999999',
        market: 'ETH/USDT',
      })
    case 5: {
      // A valid signature, tampered with afterwards: someone else's name.
      const wire = signIntent(stranger, tokens, { action: 'cancelAll', nonce, market: 'ETH/USDT' })
      return { ...wire, signer: alice.address }
    }
    case 6:
      return { action: 'transfer', garbage: n }
    default:
      return `not an intent ${n}`
  }
}

function counts(): Record<string, number> {
  const sqlite = sqliteOf(replica.state)
  const tables = ['receipts', 'nonce_windows', 'balance_history', 'orders', 'trades']
  return Object.fromEntries(
    [...tables, 'engine_operations'].map((table) => [
      table,
      (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
    ]),
  )
}

it('a batch put straight into Zellular with 1,000 garbage or unfunded intents leaves the state as it was', async () => {
  const hashBefore = replica.state.stateHash()
  const rowsBefore = counts()
  const spam = Array.from({ length: 1_000 }, (_, n) => spamIntent(n))
  // Zellular caps a batch at 5 KB, but a node does not have to be honest: one big batch.
  sequencer.append(JSON.stringify(spam))
  await waitFor(() => replica.state.position.index === 2)

  expect(replica.state.stateHash()).toBe(hashBefore)
  expect(counts()).toEqual(rowsBefore)
  const ledger = replica.state.exchange.ledger
  expect(ledger.signers()).toEqual([alice.address])

  // The replica still says why a fresh key's intent failed, from its bounded in-memory log.
  const rejected = spamIntent(0) as WireIntent
  const { app, network } = rejected
  const signer = rejected.signer as Address
  const id = intentId({ app, network, signer, nonce: BigInt(rejected.nonce) })
  const answer = txResponseSchema.parse(await (await replica.app.request(`/tx/${id}`)).json())
  expect(answer).toMatchObject({
    status: 'rejected',
    reason: 'insufficient_available',
    batchIndex: 2,
  })
})
