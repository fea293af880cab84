import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signedBalanceSchema } from '../../shared/api/index.ts'
import { signIntent } from '../../shared/exchange/testing.ts'
import type { Replica } from './replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
  testTokens,
  usePostgresServer,
  waitFor,
} from './testing.ts'

/*
 * A whole replica on a real PostgreSQL server (`REPLICA_DATABASE_URL`): it agrees with a replica
 * on SQLite fed the same batches, answers its routes from PostgreSQL, and a restart on the same
 * database resumes where it stood.
 */

const server = usePostgresServer({ beforeAll, afterAll })
const replicas: Replica[] = []
afterAll(async () => {
  for (const replica of replicas.splice(0)) await replica.stop()
})

let nonce = 0
const order = (account: typeof alice, side: string, price: string) =>
  signIntent(account, testTokens, {
    action: 'order',
    nonce: String(++nonce),
    market: 'ETH/USDT',
    side,
    type: 'limit',
    price,
    quantity: '0.5',
    timeInForce: 'GTC',
  })
const pay = (amount: string) =>
  signIntent(alice, testTokens, {
    action: 'transfer',
    nonce: String(++nonce),
    to: bob.address,
    token: 'USDT',
    amount,
  })

describe('a replica on PostgreSQL', () => {
  it('agrees with one on SQLite, serves its reads, and resumes after a restart', async () => {
    const sequencer = new InMemorySequencer()
    const databaseUrl = await server.createDatabase()
    const onPostgres = await createTestReplica({ sequencer, databaseUrl })
    const onSqlite = await createTestReplica({ sequencer, position: 2 })
    replicas.push(onPostgres, onSqlite)
    const running = [onPostgres.start(), onSqlite.start()]
    sequencer.append(JSON.stringify([pay('7'), order(alice, 'buy', '2000')]))
    sequencer.append(JSON.stringify([order(bob, 'sell', '2000'), order(bob, 'sell', '2100')]))
    await waitFor(() => replicas.every((replica) => replica.state.position.index === 2))
    expect(onPostgres.state.stateHash()).toBe(onSqlite.state.stateHash())

    const read = async (replica: Replica, path: string) =>
      (await (await replica.app.request(path)).json()) as Record<string, unknown>
    for (const path of [
      `/orders?address=${bob.address}`,
      '/trades?market=ETH/USDT',
      '/orderbook?market=ETH/USDT',
    ]) {
      expect(await read(onPostgres, path)).toEqual(await read(onSqlite, path))
    }
    const past = signedBalanceSchema.parse(
      await read(onPostgres, `/balance?address=${bob.address}&token=USDT&index=1`),
    )
    expect(past.attestation).toMatchObject({ index: 1, available: '1000007000000' })

    const position = onPostgres.state.position
    const hash = onPostgres.state.stateHash()
    replicas.splice(replicas.indexOf(onPostgres), 1)
    await onPostgres.stop()
    await running[0]
    const restarted = await createTestReplica({ sequencer, databaseUrl })
    replicas.push(restarted)
    expect(restarted.state.position).toEqual(position)
    expect(restarted.state.stateHash()).toBe(hash)
    expect(restarted.state.storage.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:/)
  })
})
