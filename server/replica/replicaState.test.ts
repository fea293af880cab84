import { afterEach, describe, expect, it } from 'vitest'
import { errorResponseSchema, signedBalanceSchema } from '../../shared/api/index.ts'
import { signIntent, testAccount, testDomain } from '../../shared/exchange/testing.ts'
import { initKeccak, intentId, type Address } from '../../shared/intents/index.ts'
import { keccak256, stringToBytes } from 'viem'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ReplicaStateError, runApplyLoop } from './applyLoop.ts'
import { configurationHash, ReplicaHaltedError, ReplicaState } from './replicaState.ts'
import type { ReplicaStorage } from './store/replicaStorage.ts'
import { openSqliteStorage, type SqliteStorage } from './store/sqliteStorage.ts'
import type { Replica } from './replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
  testGenesis,
  testRegistry,
  testTokens,
  waitFor,
  sqliteOf,
} from './testing.ts'

const replicas: Replica[] = []
afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.stop()
})

/** A Zellular stand-in whose `lastFinalized` never answers, like a node that hangs up slowly. */
class HangingSequencer extends InMemorySequencer {
  override lastFinalized(): Promise<{ index: number } | null> {
    return new Promise(() => {})
  }
}

/** Resolves to what `promise` settles to, or to 'timeout' after `ms`. */
function within<value>(promise: Promise<value>, ms: number): Promise<value | 'timeout'> {
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms)),
  ])
}

describe('batch time', () => {
  it('comes from the sync point, never goes back, is stored with the batch and survives a restart', async () => {
    const sequencer = new InMemorySequencer()
    const replica = await createTestReplica({ sequencer })
    replicas.push(replica)
    void replica.start().catch(() => undefined)
    const transfer = (nonce: number) =>
      signIntent(alice, testTokens, {
        action: 'transfer',
        nonce: String(nonce),
        to: bob.address,
        token: 'USDT',
        amount: '1',
      })
    // Seconds, as Zellular signs them; nonces are milliseconds within the window around them.
    const base = 1_800_000_000
    const stamped: [number | undefined, number][] = [
      [base, 1],
      [undefined, 2],
      [base - 5, 3],
      [base + 7, 4],
    ]
    for (const [timestamp, index] of stamped) {
      sequencer.timestamp = timestamp
      sequencer.append(JSON.stringify([transfer(base * 1000 + index)]))
    }
    await waitFor(() => replica.state.position.index === 4)
    const sqlite = sqliteOf(replica.state)
    const times = sqlite
      .prepare('SELECT batch_index, time FROM chaining_hashes ORDER BY batch_index')
      .raw()
      .all()
    const ms = base * 1000
    expect(times).toEqual([
      [0, 0],
      [1, ms],
      [2, ms],
      [3, ms],
      [4, ms + 7_000],
    ])
    expect(replica.state.position.time).toBe(ms + 7_000)
    const status = (await (await replica.app.request('/status')).json()) as { appliedTime: number }
    expect(status.appliedTime).toBe(ms + 7_000)
    const id = intentId({ ...testDomain, signer: alice.address as Address, nonce: BigInt(ms + 3) })
    const tx = (await (await replica.app.request(`/tx/${id}`)).json()) as { time: number }
    expect(tx.time).toBe(ms)

    replicas.splice(replicas.indexOf(replica), 1)
    await replica.stop()
    const restarted = await createTestReplica({ sequencer, databaseFile: sqlite.name })
    replicas.push(restarted)
    expect(restarted.state.position.time).toBe(ms + 7_000)
    expect(restarted.state.exchange.time).toBe(ms + 7_000)
  })
})

describe('the last finalization', () => {
  it('is kept with the position, so reading resumes with the parent link checked', async () => {
    const replica = await createTestReplica({ sequencer: new InMemorySequencer() })
    replicas.push(replica)
    const state = replica.state
    // Batches 1–3 released by the finalization at 3 (parent 0), 4–7 by the one at 7 (parent 3).
    const batch = (index: number) => ({
      index,
      body: '[]',
      chainingHash: `h${index}`,
      timestamp: 1_800_000_000,
      finalization: index <= 3 ? { index: 3, parentIndex: 0 } : { index: 7, parentIndex: 3 },
    })
    await state.applyGroup([1, 2].map((index) => ({ batch: batch(index) })))
    expect(state.position.finalizedIndex).toBe(0)
    await state.apply(batch(3))
    expect(state.position.finalizedIndex).toBe(3)
    await state.apply(batch(4))
    expect(state.position.finalizedIndex).toBe(3)

    const asked: unknown[] = []
    const source = {
      async *batches(parameters: unknown) {
        asked.push(parameters)
        yield* []
      },
    }
    const controller = new AbortController()
    const loop = runApplyLoop({
      source,
      state,
      onApplied: () => {},
      signal: controller.signal,
      log: () => {},
      retryMs: 10,
    })
    await waitFor(() => asked.length > 0)
    controller.abort()
    await loop
    expect(asked[0]).toMatchObject({ after: 4, chainingHash: 'h4', finalizedIndex: 3 })
    // And from the database after a restart.
    const file = sqliteOf(state).name
    replicas.splice(replicas.indexOf(replica), 1)
    await replica.stop()
    const restarted = await createTestReplica({
      sequencer: new InMemorySequencer(),
      databaseFile: file,
    })
    replicas.push(restarted)
    expect(restarted.state.position).toMatchObject({ index: 4, finalizedIndex: 3 })
  })
})

describe('a failed commit', () => {
  it('stops every signed answer at once, rejects the apply loop without waiting for the poller, and a restart serves the last commit', async () => {
    const sequencer = new HangingSequencer()
    const replica = await createTestReplica({ sequencer })
    replicas.push(replica)
    const running = replica.start()
    let nonce = 0
    const transfer = (to: string) =>
      signIntent(alice, testTokens, {
        action: 'transfer',
        nonce: String(++nonce),
        to,
        token: 'USDT',
        amount: '1',
      })
    sequencer.append(JSON.stringify([transfer(bob.address)]))
    await waitFor(() => replica.state.position.index === 1)
    const read = (path: string) => replica.app.request(path)
    const committed = signedBalanceSchema.parse(
      await (await read(`/balance?address=${alice.address}&token=USDT`)).json(),
    )
    expect(committed.attestation.index).toBe(1)

    // The disk fills: SQLite refuses to grow the database (a real SQLITE_FULL), so the next
    // batch, which credits many new addresses, is applied in memory but cannot commit. VACUUM
    // first drops the free pages the migrations left, which the batch could otherwise fill.
    const sqlite = sqliteOf(replica.state)
    sqlite.exec('VACUUM')
    sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true }) as number}`)
    const strangers = Array.from({ length: 150 }, (_, i) => testAccount(5_000 + i).address)
    sequencer.append(JSON.stringify(strangers.map(transfer)))

    const outcome = await within(
      running.then(
        () => 'resolved',
        (error: unknown) => error,
      ),
      2_000,
    )
    expect(outcome).toBeInstanceOf(ReplicaStateError)
    expect(((outcome as Error).cause as { code?: string }).code).toBe('SQLITE_FULL')
    expect((outcome as ReplicaStateError).walk()).toMatchObject({ code: 'SQLITE_FULL' })
    expect(replica.state.position.index).toBe(1)

    for (const path of [
      `/balance?address=${alice.address}&token=USDT&index=1`,
      `/balance?address=${alice.address}&token=USDT`,
      `/balances?address=${alice.address}`,
      `/aggregate_balance?address=${alice.address}&token=USDT`,
      // Not signed, but claims about the state too: the status names a state hash.
      '/status',
      '/orderbook?market=ETH/USDT',
    ]) {
      const response = await read(path)
      const body = errorResponseSchema.parse(await response.json())
      expect([path, response.status, body.error.code]).toEqual([path, 503, 'replica_halted'])
    }
    replicas.splice(replicas.indexOf(replica), 1)
    expect(await within(replica.stop(), 2_000)).not.toBe('timeout')

    const restarted = await createTestReplica({
      sequencer: new InMemorySequencer(),
      databaseFile: sqlite.name,
    })
    replicas.push(restarted)
    expect(restarted.state.position.index).toBe(1)
    const again = signedBalanceSchema.parse(
      await (
        await restarted.app.request(`/balance?address=${alice.address}&token=USDT&index=1`)
      ).json(),
    )
    expect(again.attestation).toEqual(committed.attestation)
  })
})

describe('a commit in flight', () => {
  /**
   * A state over the real SQLite storage whose commits go through `commit` instead, as a
   * database server's would answer later (or fail), and one signed transfer of 5 USDT to apply.
   */
  async function stateCommittingThrough(
    commit: (
      sqlite: SqliteStorage,
      ...args: Parameters<ReplicaStorage['commitBatches']>
    ) => Promise<void>,
    port: number,
  ) {
    const sqlite = openSqliteStorage(join(mkdtempSync(join(tmpdir(), 'replica-gate-')), 'r.db'))
    const gated: ReplicaStorage = Object.assign(Object.create(sqlite) as SqliteStorage, {
      commitBatches: (...args: Parameters<ReplicaStorage['commitBatches']>) =>
        commit(sqlite, ...args),
    })
    const state = await ReplicaState.open(gated, {
      registry: testRegistry(1, port),
      genesis: testGenesis,
    })
    const body = JSON.stringify([
      signIntent(alice, testTokens, {
        action: 'transfer',
        nonce: '1',
        to: bob.address,
        token: 'USDT',
        amount: '5',
      }),
    ])
    return { sqlite, state, batch: { index: 1, body, chainingHash: 'h1' } }
  }

  it('refuses the reads it held back when it fails, rather than answer from memory', async () => {
    let fail = () => {}
    const failing = new Promise<void>((_resolve, reject) => (fail = () => reject(new Error('EIO'))))
    const { sqlite, state, batch } = await stateCommittingThrough(() => failing, 15991)
    const applying = state.apply(batch)
    const read = state.settled()
    fail()
    await expect(applying).rejects.toThrow('EIO')
    await expect(read).rejects.toBeInstanceOf(ReplicaHaltedError)
    await expect(state.settled()).rejects.toBeInstanceOf(ReplicaHaltedError)
    await sqlite.close()
  })

  it('holds reads of memory back until it lands, so none sees a batch ahead of the position', async () => {
    let land = () => {}
    const landed = new Promise<void>((resolve) => (land = resolve))
    const { sqlite, state, batch } = await stateCommittingThrough(async (store, ...args) => {
      await landed
      return store.commitBatches(...args)
    }, 15990)
    const before = state.exchange.ledger.balance(bob.address, 'USDT').available
    const applying = state.apply(batch)
    const seen: { index: number; available: bigint }[] = []
    const read = state.settled().then(() => {
      const available = state.exchange.ledger.balance(bob.address, 'USDT').available
      seen.push({ index: state.position.index, available })
    })
    await new Promise(setImmediate)
    expect(seen).toEqual([])
    land()
    await applying
    await read
    expect(seen).toEqual([{ index: 1, available: before + 5_000_000n }])
    await sqlite.close()
  })
})

describe('the configuration hash', () => {
  it('is keccak-256 of the configuration JSON, as databases already store it', async () => {
    await initKeccak()
    const config = {
      domain: testDomain,
      genesis: testGenesis,
      markets: testRegistry(1, 15990).markets,
    }
    const text = JSON.stringify({
      domain: config.domain,
      genesis: config.genesis,
      markets: config.markets,
    })
    expect(configurationHash(config)).toBe(keccak256(stringToBytes(text)))
  })
})
