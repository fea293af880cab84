import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aggregateBalanceResponseSchema,
  errorResponseSchema,
  orderbookResponseSchema,
  signedBalanceSchema,
  statusResponseSchema,
  type StatusResponse,
} from '../../shared/api/index.ts'
import { verifyAggregateBalance, verifyBalanceAttestation } from '../../shared/attest/index.ts'
import { signIntent, testAccount, type TestAccount } from '../../shared/exchange/testing.ts'
import {
  createTokenRegistry,
  nextNonce as nextTimeNonce,
  type WireIntent,
} from '../../shared/intents/index.ts'
import { toHighS, toZeroOneV } from '../../shared/intents/testing.ts'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'
import { mintFromFaucet } from './faucet.ts'
import { startPostgresServer, type PostgresServer } from './store/postgresServer.ts'
import { prepareReplicas, startReplicaCluster, type ReplicaCluster } from './setup.ts'
import { mapLimit } from '../mapLimit.ts'

/*
 * Three replica processes on a real 4-node Zellular network (ports 16501-16504 and
 * 15101-15103): the bank invariant, replays, kill -9 during apply, the orderbook across
 * replicas, and quorum-verified balances. One network for all, in this order. Replica 3 keeps
 * its state in PostgreSQL (a real server started for this file), the others in SQLite, so every
 * agreement below is also between the two storages, and the kill -9 lands in a PostgreSQL commit.
 */

const ACCOUNTS = Array.from({ length: 40 }, (_, i) => testAccount(1_000 + i))
const TRANSFERS = 3_000
const INITIAL = 1_000_000n // USDT per account, token units
let zellular: LocalNetwork
let cluster: ReplicaCluster
let postgres: PostgresServer
/** Replica 3's database. */
let databaseUrl: string
let tokens: ReturnType<typeof createTokenRegistry>
// Nonces are millisecond times: the batches carry Zellular's finalization timestamps.
const nonces = new Map<string, bigint>()
const nextNonce = (account: TestAccount) => {
  const nonce = nextTimeNonce(Date.now(), nonces.get(account.address))
  nonces.set(account.address, nonce)
  return String(nonce)
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'replica-cluster-'))
  zellular = await startLocalNetwork({
    dir: join(dir, 'zellular'),
    basePort: 16501,
    apps: ['orderbook'],
  })
  const prepared = prepareReplicas({
    dir: join(dir, 'replicas'),
    count: 3,
    basePort: 15101,
    zellularNodesFile: zellular.layout.nodesFile,
    balances: ACCOUNTS.flatMap((account) => [
      { address: account.address, token: 'USDT', amount: INITIAL.toString() },
      { address: account.address, token: 'ETH', amount: '1000' },
    ]),
  })
  tokens = createTokenRegistry(prepared.registry.tokens)
  postgres = await startPostgresServer()
  databaseUrl = await postgres.createDatabase()
  cluster = await startReplicaCluster(prepared, {
    environmentOf: (position): Record<string, string> =>
      position === 2 ? { REPLICA_DATABASE_URL: databaseUrl } : {},
    // Thousands of intents from 127.0.0.1: the per-IP submission limit is lifted explicitly.
    environment: {
      REPLICA_DURABILITY: 'NORMAL',
      REPLICA_SUBMIT_RATE_PER_SECOND: '1000000',
      REPLICA_SUBMIT_BURST: '1000000',
    },
    onLine: (position, line) => {
      if (/FATAL|ERROR/.test(line)) console.error(`replica-${position + 1} ${line}`)
    },
  })
}, 120_000)

afterAll(async () => {
  await cluster?.stop()
  await zellular?.stop()
  postgres?.stop()
})

async function status(url: string): Promise<StatusResponse> {
  return statusResponseSchema.parse(await (await fetch(`${url}/status`)).json())
}

async function post(url: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Waits until every replica has applied everything Zellular finalized, and returns them. */
async function settled(urls = cluster.urls(), timeoutMs = 90_000): Promise<StatusResponse[]> {
  const deadline = Date.now() + timeoutMs
  let previous = -1
  for (;;) {
    const statuses = await Promise.all(urls.map(status))
    const indexes = statuses.map((s) => s.appliedIndex)
    const finalized = Math.max(...statuses.map((s) => s.zellularFinalizedIndex ?? 0))
    const same = indexes.every((index) => index === indexes[0])
    // The state hash is recomputed about once a second: wait until it is at the applied index.
    const hashed = statuses.every((s) => s.stateHashIndex === s.appliedIndex)
    if (same && hashed && indexes[0] === finalized && finalized === previous) return statuses
    previous = same ? (indexes[0] ?? -1) : -1
    if (Date.now() > deadline) throw new Error(`not settled: ${indexes} finalized ${finalized}`)
    await new Promise((resolve) => setTimeout(resolve, 1_100))
  }
}

/** Waits until every replica has a receipt for the intent. */
async function appliedEverywhere(intentId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (const url of cluster.urls()) {
    for (;;) {
      const response = await fetch(`${url}/tx/${intentId}`)
      const body = (await response.json()) as { status?: string }
      if (response.status === 200 && body.status !== 'pending') break
      if (Date.now() > deadline) throw new Error(`${intentId} not applied on ${url}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** Sends intents round-robin to the replicas with some concurrency; returns the 202 ids. */
async function submitAll(intents: readonly WireIntent[], concurrency = 24): Promise<string[]> {
  const urls = cluster.urls()
  const accepted: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < intents.length) {
        const position = next++
        const intent = intents[position]!
        const path =
          intent.action === 'transfer'
            ? '/transfer'
            : intent.action === 'mint'
              ? '/mint'
              : intent.action === 'order'
                ? '/order'
                : '/cancel'
        let response: Response
        try {
          response = await post(urls[position % urls.length]!, path, intent)
        } catch {
          continue // that replica is down (a kill test): the intent is simply not submitted
        }
        const body = (await response.json()) as { intentId?: string; error?: { code: string } }
        if (response.status === 202) accepted.push(body.intentId!)
        else if (response.status >= 500) throw new Error(`submit failed: ${JSON.stringify(body)}`)
      }
    }),
  )
  return accepted
}

function randomTransfers(count: number, seed: number): WireIntent[] {
  let state = seed
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
  return Array.from({ length: count }, () => {
    const from = ACCOUNTS[Math.floor(random() * ACCOUNTS.length)]!
    let to = ACCOUNTS[Math.floor(random() * ACCOUNTS.length)]!
    if (to === from) to = ACCOUNTS[(ACCOUNTS.indexOf(from) + 1) % ACCOUNTS.length]!
    const amount = `${Math.floor(random() * 40_000)}.${Math.floor(random() * 1_000_000)}`
    return signIntent(from, tokens, {
      action: 'transfer',
      nonce: nextNonce(from),
      to: to.address,
      token: 'USDT',
      amount: amount.startsWith('0.') || !amount.startsWith('0') ? amount : `1${amount}`,
    })
  })
}

async function usdtTotal(url: string): Promise<bigint> {
  const balances = await mapLimit(ACCOUNTS, 16, async (account) => {
    const answer = await fetch(`${url}/balance?address=${account.address}&token=USDT`)
    const { available, locked } = signedBalanceSchema.parse(await answer.json()).attestation
    return BigInt(available) + BigInt(locked)
  })
  return balances.reduce((sum, amount) => sum + amount, 0n)
}

describe('three replicas on Zellular', () => {
  it(
    'keep the bank invariant over thousands of random signed transfers',
    { timeout: 240_000 },
    async () => {
      const transfers = randomTransfers(TRANSFERS, 7)
      const accepted = await submitAll(transfers)
      expect(accepted.length).toBeGreaterThan(TRANSFERS / 2)
      const statuses = await settled()
      expect(new Set(statuses.map((s) => s.stateHash)).size).toBe(1)
      const supply = INITIAL * 1_000_000n * BigInt(ACCOUNTS.length)
      for (const url of cluster.urls()) expect(await usdtTotal(url)).toBe(supply)
      // A receipt for every accepted intent: all of them on one replica, a tenth on the others.
      for (const [position, url] of cluster.urls().entries()) {
        const sample = position === 0 ? accepted : accepted.filter((_, i) => i % 10 === position)
        const statuses = await mapLimit(sample, 16, async (intentId) => {
          const tx = await fetch(`${url}/tx/${intentId}`)
          return tx.status === 200 ? ((await tx.json()) as { status: string }).status : tx.status
        })
        expect(statuses.filter((status) => status !== 'applied' && status !== 'rejected')).toEqual(
          [],
        )
      }
    },
  )

  it(
    'apply a replayed intent at most once, whatever its spelling and entry point',
    { timeout: 120_000 },
    async () => {
      const [from, to] = [ACCOUNTS[0]!, ACCOUNTS[1]!]
      await settled()
      const balanceOf = async () =>
        signedBalanceSchema.parse(
          await (
            await fetch(`${cluster.urls()[0]}/balance?address=${to.address}&token=USDT`)
          ).json(),
        ).attestation.available
      const before = BigInt(await balanceOf())
      const original = signIntent(from, tokens, {
        action: 'transfer',
        nonce: nextNonce(from),
        to: to.address,
        token: 'USDT',
        amount: '7',
      })
      const twins = [
        original,
        { ...original, signature: toHighS(original.signature) },
        { ...original, signature: toZeroOneV(original.signature) },
      ]
      const answers = await Promise.all(
        cluster.urls().flatMap((url) =>
          twins.map(async (twin) => {
            const response = await post(url, '/transfer', twin)
            return {
              status: response.status,
              body: (await response.json()) as { intentId?: string },
            }
          }),
        ),
      )
      const codes = answers.map((answer) => answer.status)
      expect(codes.filter((code) => code === 202).length).toBeGreaterThanOrEqual(1)
      const intentId = answers.find((answer) => answer.status === 202)!.body.intentId!
      expect(codes.every((code) => code === 202 || code === 409)).toBe(true)
      const otherApp = signIntent(
        from,
        tokens,
        { action: 'transfer', nonce: nextNonce(from), to: to.address, token: 'USDT', amount: '7' },
        { app: 'other-app', network: 'devnet' },
      )
      const refused = await post(cluster.urls()[1]!, '/transfer', otherApp)
      expect(errorResponseSchema.parse(await refused.json()).error.code).toBe('wrong_app')
      await appliedEverywhere(intentId)
      await settled()
      expect(BigInt(await balanceOf()) - before).toBe(7_000_000n)
      // Later, the same intent again: refused by every replica.
      for (const url of cluster.urls())
        expect((await post(url, '/transfer', original)).status).toBe(409)
    },
  )

  it(
    'recover from kill -9 during apply with the same state hash',
    { timeout: 180_000 },
    async () => {
      const load = submitAll(randomTransfers(800, 11), 8)
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      await cluster.kill(2)
      await load
      await settled(cluster.urls().slice(0, 2))
      const crashAt = (await status(cluster.urls()[0]!)).zellularFinalizedIndex! + 4
      await cluster.restart(2, { REPLICA_TEST_CRASH_IN_COMMIT_AT: String(crashAt) })
      // Keep batches coming until the replica kills itself inside the commit of `crashAt`.
      const feeder = submitAll(randomTransfers(400, 13), 4)
      const code = await cluster.processes[2]!.exited
      expect(code).toBe(null) // killed by SIGKILL, not exited
      await feeder
      await cluster.restart(2)
      const statuses = await settled()
      expect(statuses[2]!.appliedIndex).toBeGreaterThanOrEqual(crashAt)
      expect(new Set(statuses.map((s) => s.stateHash)).size).toBe(1)
      // Replica 3's position is the one in its PostgreSQL database.
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      const stored = await client.query("SELECT value FROM meta WHERE key = 'applied_index'")
      await client.end()
      expect(Number(stored.rows[0]?.value)).toBe((await status(cluster.urls()[2]!)).appliedIndex)
    },
  )

  it('build identical books from one stream of orders', { timeout: 120_000 }, async () => {
    const traders = ACCOUNTS.slice(0, 8)
    let step = 0
    const orders = Array.from({ length: 240 }, () => {
      const trader = traders[step++ % traders.length]!
      const side = step % 2 === 0 ? 'buy' : 'sell'
      const price = String(1_990 + ((step * 7) % 21))
      const quantity = String(((step * 13) % 50) / 100 + 0.01)
      if (step % 17 === 0) {
        return signIntent(trader, tokens, {
          action: 'cancelAll',
          nonce: nextNonce(trader),
          market: 'ETH/USDT',
        })
      }
      return signIntent(trader, tokens, {
        action: 'order',
        nonce: nextNonce(trader),
        market: 'ETH/USDT',
        side,
        type: 'limit',
        price,
        quantity,
        timeInForce: step % 5 === 0 ? 'IOC' : 'GTC',
      })
    })
    const accepted = await submitAll(orders, 6)
    expect(accepted.length).toBeGreaterThan(150)
    const statuses = await settled()
    expect(new Set(statuses.map((s) => s.stateHash)).size).toBe(1)
    const books = await Promise.all(
      cluster
        .urls()
        .map(async (url) =>
          orderbookResponseSchema.parse(
            await (await fetch(`${url}/orderbook?market=ETH/USDT&depth=100`)).json(),
          ),
        ),
    )
    expect(books[0]!.bids.length + books[0]!.asks.length).toBeGreaterThan(0)
    for (const book of books) expect(book).toEqual(books[0])
    const trades = await (await fetch(`${cluster.urls()[1]}/trades?market=ETH/USDT&limit=5`)).json()
    expect((trades as { trades: unknown[] }).trades.length).toBeGreaterThan(0)
  })

  it(
    'mint through the faucet and prove balances with a quorum of BLS signatures',
    { timeout: 120_000 },
    async () => {
      const prepared = cluster.prepared
      const newcomer = testAccount(77_777)
      const [answer] = await mintFromFaucet({
        issuerKey: prepared.faucet.privateKey,
        address: newcomer.address,
        replicaUrl: cluster.urls()[0]!,
        tokens: { BTC: '2.5' },
        app: prepared.registry.app,
        network: prepared.registry.network,
      })
      expect(answer?.status).toBe('pending')
      await settled()
      const registry = prepared.registry
      const query = `address=${newcomer.address}&token=BTC`
      const single = signedBalanceSchema.parse(
        await (await fetch(`${cluster.urls()[1]}/balance?${query}`)).json(),
      )
      expect(single.attestation.available).toBe('250000000')
      expect(
        verifyBalanceAttestation(
          single.attestation,
          single.signature,
          registry.replicas[1]!.blsPublicKey,
        ),
      ).toBe(true)
      const full = aggregateBalanceResponseSchema.parse(
        await (await fetch(`${cluster.urls()[0]}/aggregate_balance?${query}`)).json(),
      )
      expect(full.signers).toEqual(['replica-1', 'replica-2', 'replica-3'])
      expect(full.attestation.available).toBe('250000000')
      expect(verifyAggregateBalance(full, registry)).toMatchObject({ ok: true })
      await cluster.kill(1)
      const partial = aggregateBalanceResponseSchema.parse(
        await (await fetch(`${cluster.urls()[0]}/aggregate_balance?${query}`)).json(),
      )
      expect(partial.signers).toEqual(['replica-1', 'replica-3'])
      expect(partial.nonSigners).toEqual([{ replicaId: 'replica-2', reason: 'unreachable' }])
      expect(verifyAggregateBalance(partial, registry)).toMatchObject({ ok: true })
      // The aggregate does not verify as a 3-of-3 claim or with replica-2's key swapped in.
      expect(
        verifyAggregateBalance({ ...partial, signers: ['replica-1', 'replica-2'] }, registry),
      ).toMatchObject({ ok: false })
      await cluster.kill(2)
      const refused = await fetch(`${cluster.urls()[0]}/aggregate_balance?${query}`)
      expect(refused.status).toBe(503)
      expect(errorResponseSchema.parse(await refused.json()).error.code).toBe('quorum_not_reached')
    },
  )
})
