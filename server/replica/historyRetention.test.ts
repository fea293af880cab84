import { afterEach, describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../shared/api/index.ts'
import { signIntent } from '../../shared/exchange/testing.ts'
import { createTokenRegistry, intentId, type WireIntent } from '../../shared/intents/index.ts'
import { ReplicaState } from './replicaState.ts'
import { historyPruneRowsMax } from './store/replicaStorage.ts'
import { ReplicaStore } from './store/replicaStore.ts'
import { SqliteStorage } from './store/sqliteStorage.ts'
import {
  createTestReplica,
  removeTemporaryFolders,
  temporaryDatabaseFile,
  InMemorySequencer,
  testGenesis,
  testRegistry,
  traders,
  waitFor,
} from './testing.ts'

/*
 * History (receipts, trades, closed orders, balances at past indexes and their chaining hashes)
 * is kept for the last `historyRetainBatches` batches and pruned past them in bounded steps; the
 * consensus state, and so the state hash, does not depend on it, and reads that reach pruned
 * history say so.
 */

const [alice, bob] = traders as [(typeof traders)[0], (typeof traders)[0]]
const tokens = createTokenRegistry(testGenesis.tokens)
const registry = testRegistry(1, 15990)
afterEach(removeTemporaryFolders)

const databaseFile = () => temporaryDatabaseFile('history-')

const nonces = new Map<string, number>()
function sign(trader: (typeof traders)[0], fields: Record<string, string>): WireIntent {
  const nonce = (nonces.get(trader.address) ?? 0) + 1
  nonces.set(trader.address, nonce)
  return signIntent(trader, tokens, { ...fields, nonce: String(nonce) })
}
const order = (trader: (typeof traders)[0], side: string, price: string) =>
  sign(trader, {
    action: 'order',
    market: 'ETH/USDT',
    side,
    type: 'limit',
    price,
    quantity: '1',
    timeInForce: 'GTC',
  })
const pay = (trader: (typeof traders)[0]) =>
  sign(trader, { action: 'transfer', to: bob.address, token: 'USDT', amount: '1' })
const idOf = (wire: WireIntent) =>
  intentId({
    app: wire.app,
    network: wire.network,
    signer: wire.signer,
    nonce: BigInt(wire.nonce),
  } as never)

/** Ten batches: a trade in batch 1 (Alice's bid filled by Bob), Alice's open bid in 2, transfers after. */
function bodies(): WireIntent[][] {
  nonces.clear()
  return [
    [order(alice, 'buy', '2000'), order(bob, 'sell', '2000')],
    [order(alice, 'buy', '1900')],
    ...Array.from({ length: 8 }, () => [pay(alice)]),
  ]
}

const count = (store: ReplicaStore, table: string) =>
  (store.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n

/** The ten batches applied to a store that keeps all history and one that keeps 3 batches. */
async function applyKeptAndPruned() {
  const batches = bodies()
  const kept = new ReplicaStore(databaseFile())
  const pruned = new ReplicaStore(databaseFile(), { historyRetainBatches: 3 })
  const states = await Promise.all(
    [kept, pruned].map((store) =>
      ReplicaState.open(new SqliteStorage(store), { registry, genesis: testGenesis }),
    ),
  )
  for (const [i, batch] of batches.entries()) {
    const finalized = { index: i + 1, body: JSON.stringify(batch), chainingHash: `c${i + 1}` }
    for (const state of states) await state.apply(finalized)
  }
  return { batches, kept, pruned, states }
}

describe('history retention', () => {
  it('prunes receipts, trades and closed orders past the last N batches, never the state', async () => {
    const { batches, kept, pruned, states } = await applyKeptAndPruned()
    // Batches 8–10 keep their history; 1–7 lose theirs.
    expect(pruned.historyPrunedBelow).toBe(8)
    expect(kept.historyPrunedBelow).toBe(0)
    expect(count(pruned, 'receipts')).toBe(3)
    expect(count(kept, 'receipts')).toBe(11)
    expect(count(pruned, 'trades')).toBe(0)
    expect(count(kept, 'trades')).toBe(1)
    // The filled orders go; Alice's open bid stays (it is state).
    expect(pruned.sqlite.prepare('SELECT status FROM orders').all()).toEqual([{ status: 'open' }])
    expect(pruned.receipt(idOf(batches[0]![0]!))).toBeUndefined()
    expect(pruned.receipt(idOf(batches[9]![0]!))?.status).toBe('applied')
    expect(states[1]!.stateHash()).toBe(states[0]!.stateHash())
    // A restart reads the state alone, so it is the same with or without history.
    const reopened = await ReplicaState.open(new SqliteStorage(pruned), {
      registry,
      genesis: testGenesis,
    })
    expect(reopened.stateHash()).toBe(states[0]!.stateHash())
    expect(reopened.exchange.tradeSeq('ETH/USDT')).toBe(1)
    kept.close()
    pruned.close()
  })

  it('keeps one balance row per key below the retention and the chaining hashes from it', async () => {
    const { kept, pruned, states } = await applyKeptAndPruned()
    const rowsBelow = (store: ReplicaStore, index: number) =>
      store.sqlite
        .prepare(
          'SELECT COUNT(*) AS n FROM balance_history WHERE batch_index < ? ' +
            'GROUP BY address, token ORDER BY n DESC LIMIT 1',
        )
        .get(index) as { n: number }
    // Alice's USDT changes at genesis and in every batch: without pruning, 8 rows below 8.
    expect(rowsBelow(kept, 8).n).toBe(8)
    expect(rowsBelow(pruned, 8).n).toBe(1)
    expect(count(pruned, 'balance_history')).toBeLessThan(count(kept, 'balance_history') - 10)
    expect(count(kept, 'chaining_hashes')).toBe(11)
    expect(count(pruned, 'chaining_hashes')).toBe(3)
    // From batch 8 on every balance reads as without pruning; below it, none does.
    for (const trader of traders) {
      for (const token of ['USDT', 'ETH']) {
        for (const index of [8, 9, 10]) {
          expect(pruned.balanceAt(trader.address, token, index)).toEqual(
            kept.balanceAt(trader.address, token, index),
          )
        }
        expect(pruned.balanceAt(trader.address, token, 7)).toEqual({ prunedBelow: 8 })
      }
    }
    expect(states[1]!.stateHash()).toBe(states[0]!.stateHash())
    kept.close()
    pruned.close()
  })

  it(`deletes at most ${historyPruneRowsMax} rows of a table per commit, and catches up later`, async () => {
    const file = databaseFile()
    const unbounded = new ReplicaStore(file)
    const state = await ReplicaState.open(new SqliteStorage(unbounded), {
      registry,
      genesis: testGenesis,
    })
    nonces.clear()
    const payers = traders.slice(0, 6)
    let index = 0
    const applyBatch = async (intents: WireIntent[]) => {
      index += 1
      await state.apply({ index, body: JSON.stringify(intents), chainingHash: `c${index}` })
    }
    // 2,100 receipts in 140 batches of 15.
    for (let b = 0; b < 140; b++)
      await applyBatch(Array.from({ length: 15 }, (_, i) => pay(payers[i % 6]!)))
    unbounded.close()
    const store = new ReplicaStore(file, { historyRetainBatches: 1 })
    const reopened = await ReplicaState.open(new SqliteStorage(store), {
      registry,
      genesis: testGenesis,
    })
    index = 140
    const next = async (intents: WireIntent[]) => {
      index += 1
      await reopened.apply({ index, body: JSON.stringify(intents), chainingHash: `c${index}` })
    }
    await next([pay(alice)])
    expect(count(store, 'receipts')).toBe(2_101 - historyPruneRowsMax)
    expect(store.historyPrunedBelow).toBe(0)
    await next([pay(alice)])
    expect(count(store, 'receipts')).toBe(1)
    expect(store.historyPrunedBelow).toBe(142)
    store.close()
  })

  it('answers reads of pruned history clearly: /tx says so, /trades 404 pruned', async () => {
    const sequencer = new InMemorySequencer()
    const replica = await createTestReplica({ sequencer, parameters: { historyRetainBatches: 2 } })
    const running = replica.start()
    try {
      const batches = bodies()
      for (const batch of batches) sequencer.append(JSON.stringify(batch))
      await waitFor(() => replica.state.position.index === batches.length)
      const tx = await replica.app.request(`/tx/${idOf(batches[0]![0]!)}`)
      expect(tx.status).toBe(404)
      const txError = errorResponseSchema.parse(await tx.json()).error
      expect(txError.code).toBe('unknown_intent')
      expect(txError.message).toContain('pruned')
      expect((await replica.app.request(`/tx/${idOf(batches[9]![0]!)}`)).status).toBe(200)

      const trades = await replica.app.request('/trades?market=ETH/USDT&cursor=2')
      expect(trades.status).toBe(404)
      const tradesError = errorResponseSchema.parse(await trades.json()).error
      expect(tradesError).toMatchObject({ code: 'pruned', field: 'cursor' })
      // The newest page is simply empty: the state (trade count 1) is still served.
      expect((await replica.app.request('/trades?market=ETH/USDT')).status).toBe(200)

      // A signed balance at a pruned index is refused with the stable error; at 9 it is signed.
      const balance = (index: number) =>
        replica.app.request(`/balance?address=${bob.address}&token=USDT&index=${index}`)
      const old = await balance(8)
      expect(old.status).toBe(404)
      expect(errorResponseSchema.parse(await old.json()).error).toMatchObject({
        code: 'pruned',
        field: 'index',
      })
      const recent = await balance(9)
      expect(recent.status).toBe(200)
      expect(await recent.json()).toMatchObject({ attestation: { index: 9 } })
    } finally {
      await replica.stop()
      await running
    }
  })
})
