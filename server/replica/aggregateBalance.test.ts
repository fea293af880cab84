import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  aggregateBalanceResponseSchema,
  errorResponseSchema,
  type ReplicaRegistry,
} from '../../shared/api/index.ts'
import { defaultQuorum, verifyAggregateBalance } from '../../shared/attest/index.ts'
import { signIntent, testAccount } from '../../shared/exchange/testing.ts'
import { aggregateLimits } from './aggregateBalance.ts'
import type { Replica } from './replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
  testRegistry,
  testTokens,
  waitFor,
} from './testing.ts'

/*
 * Three in-process replicas answering each other over real HTTP on 127.0.0.1. Replicas 1 and 2
 * follow one sequence; replica 3 follows an empty one, so it honestly reports index 0.
 */

const servers: ReturnType<typeof serve>[] = []
const replicas: Replica[] = []
const running: Promise<void>[] = []
let registry: ReplicaRegistry
/** Aggregate requests replica-1 makes to its peers: counts per path, and the most at once. */
const peerRequests = { status: 0, balance: 0, inFlight: 0, inFlightMax: 0 }
/** Latency added to replica-1's requests to its peers, as a slow network would. */
let peerDelayMs = 0

/** Listens on an ephemeral port; the app is bound later, once the registry names every URL. */
async function listen(): Promise<{ url: string; bind: (app: Replica['app']) => void }> {
  let app: Replica['app'] | undefined
  const server = serve({
    fetch: (request) =>
      app === undefined ? new Response(null, { status: 503 }) : app.fetch(request),
    hostname: '127.0.0.1',
    port: 0,
  })
  servers.push(server)
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, bind: (bound) => (app = bound) }
}

const countingFetch: typeof fetch = async (input, init) => {
  const path = new URL(String(input)).pathname
  // Its checks of its own roots against its peers' (`DivergenceWatch`) are not aggregates.
  if (path === '/root') return globalThis.fetch(input, init)
  if (path === '/status') peerRequests.status += 1
  if (path === '/balance') peerRequests.balance += 1
  peerRequests.inFlight += 1
  peerRequests.inFlightMax = Math.max(peerRequests.inFlightMax, peerRequests.inFlight)
  try {
    await new Promise((resolve) => setTimeout(resolve, peerDelayMs))
    return await globalThis.fetch(input, init)
  } finally {
    peerRequests.inFlight -= 1
  }
}

beforeAll(async () => {
  const listeners = [await listen(), await listen(), await listen()]
  const base = testRegistry(3, 0)
  registry = {
    ...base,
    quorum: defaultQuorum(3),
    replicas: base.replicas.map((replica, i) => ({ ...replica, url: listeners[i]!.url })),
  }
  const followed = new InMemorySequencer()
  const sequencers = [followed, followed, new InMemorySequencer()]
  for (const [i, sequencer] of sequencers.entries()) {
    const replica = await createTestReplica({
      sequencer,
      registry,
      position: i + 1,
      ...(i === 0 ? { fetch: countingFetch } : {}),
    })
    listeners[i]!.bind(replica.app)
    replicas.push(replica)
    running.push(replica.start())
  }
  for (let nonce = 1; nonce <= 3; nonce += 1) {
    const fields = { action: 'transfer', nonce: String(nonce), to: bob.address, token: 'USDT' }
    followed.append(JSON.stringify([signIntent(alice, testTokens, { ...fields, amount: '2' })]))
  }
  await waitFor(() => replicas.slice(0, 2).every((replica) => replica.state.position.index === 3))
})

afterAll(async () => {
  for (const replica of replicas) await replica.stop()
  await Promise.all(running)
  for (const server of servers) server.close()
})

function aggregate(query: string) {
  return globalThis.fetch(`${registry.replicas[0]!.url}/aggregate_balance?${query}`)
}

describe('GET /aggregate_balance', () => {
  it('picks the highest index a quorum has applied, so one replica at 0 cannot pull it back to genesis', async () => {
    const response = await aggregate(`address=${bob.address}&token=USDT`)
    expect(response.status).toBe(200)
    const answer = aggregateBalanceResponseSchema.parse(await response.json())
    expect(answer.index).toBe(3)
    expect(answer.attestation).toMatchObject({ index: 3, available: '1000006000000' })
    expect(answer.signers).toEqual(['replica-1', 'replica-2'])
    expect(answer.nonSigners).toEqual([{ replicaId: 'replica-3', reason: 'behind' }])
    expect(verifyAggregateBalance(answer, registry)).toMatchObject({ ok: true })
  })

  it('answers a flood of identical requests with one fan-out to the peers', async () => {
    const address = testAccount(4_242).address
    const before = { ...peerRequests }
    peerRequests.inFlightMax = 0
    // Slow peers keep the first gathering open while the other requests arrive: a full second,
    // since on a loaded machine the 30 requests can take hundreds of ms to all come in (with
    // 100 ms, a second gathering started under load 14 and the peers were asked twice).
    peerDelayMs = 1_000
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => aggregate(`address=${address}&token=ETH`)),
    ).finally(() => (peerDelayMs = 0))
    const bodies = await Promise.all(answers.map((response) => response.json()))
    expect(answers.map((response) => response.status)).toEqual(answers.map(() => 200))
    for (const body of bodies) expect(body).toEqual(bodies[0])
    // Two peers: at most one /status and one /balance each.
    expect(peerRequests.status - before.status).toBeLessThanOrEqual(2)
    expect(peerRequests.balance - before.balance).toBeLessThanOrEqual(2)
    expect(peerRequests.inFlightMax).toBeLessThanOrEqual(2)
  })

  it('refuses aggregates beyond its in-flight limit with 503 overloaded', async () => {
    peerRequests.inFlightMax = 0
    // Peers slow enough that the first gatherings still run when the last requests arrive, even
    // on a loaded machine (well within the 3 s aggregate timeout).
    peerDelayMs = 1_000
    const count = aggregateLimits.inFlightMax * 4
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        aggregate(`address=${testAccount(10_000 + i).address}&token=USDT&index=3`),
      ),
    ).finally(() => (peerDelayMs = 0))
    const statuses = answers.map((response) => response.status)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0)
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0)
    for (const response of answers.filter((answer) => answer.status !== 200)) {
      expect([
        response.status,
        errorResponseSchema.parse(await response.json()).error.code,
      ]).toEqual([503, 'overloaded'])
    }
    expect(peerRequests.inFlightMax).toBeLessThanOrEqual(aggregateLimits.inFlightMax * 2)
  })
})
