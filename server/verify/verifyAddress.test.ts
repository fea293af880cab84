import { herumi } from '../../shared/attest/herumi.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrderView, ReplicaRegistry } from '../../shared/api/index.ts'
import { createBlsVerifier } from '../../shared/attest/index.ts'
import { signIntent, testAccount } from '../../shared/exchange/testing.ts'
import type { Replica } from '../replica/replica.ts'
import {
  alice,
  bob,
  InMemorySequencer,
  serveReplicas,
  stopStartedReplicas,
  testRegistry,
  testTokens,
  traders,
  waitFor,
} from '../replica/testing.ts'
import { verifyAddressBalances, verifyOpenOrders, verifyOrder } from './verifyAddress.ts'

const sequencer = new InMemorySequencer()
const trusted = testRegistry(3, 15_940)
const replicas: Replica[] = []
/** The registry with the real URLs of replicas 1 and 2; replica 3 never runs. */
let registry: ReplicaRegistry
const bobUsdt = 1_000_000_000_000n + 2_500_000n

beforeAll(async () => {
  const pair = await serveReplicas({ sequencer, registry: trusted, positions: [1, 2] })
  replicas.push(...pair.replicas)
  registry = pair.registry
  const fields = { action: 'transfer', nonce: '1', to: bob.address, token: 'USDT' }
  sequencer.append(JSON.stringify([signIntent(alice, testTokens, { ...fields, amount: '2.5' })]))
  const order = { action: 'order', nonce: '2', market: 'ETH/USDT', side: 'buy', type: 'limit' }
  const limit = { price: '1990', quantity: '0.01', timeInForce: 'GTC' }
  sequencer.append(JSON.stringify([signIntent(alice, testTokens, { ...order, ...limit })]))
  await waitFor(() => replicas.every((replica) => replica.state.position.index === 2))
})

afterAll(stopStartedReplicas)

const verifier = createBlsVerifier(herumi)
const noWait = async () => {}

describe('verifyAddressBalances over HTTP', () => {
  it('verifies every token of an address, and the zero balances of a stranger', async () => {
    const results = await verifyAddressBalances({
      registry,
      address: bob.address,
      bls: verifier,
      sleep: noWait,
    })
    expect(
      results.map(({ token, available, verified }) => ({ token, available, verified })),
    ).toEqual([
      { token: 'USDT', available: bobUsdt, verified: true },
      { token: 'ETH', available: 100n * 10n ** 18n, verified: true },
      { token: 'BTC', available: 0n, verified: true }, // no leaf: proven absent
    ])
    expect(results[0]).toMatchObject({ index: 2, signers: ['replica-1', 'replica-2'] })
    const stranger = await verifyAddressBalances({
      registry,
      address: testAccount(777).address,
      bls: verifier,
      sleep: noWait,
    })
    expect(stranger.every((result) => result.verified && result.available === 0n)).toBe(true)
  })

  it("verifies an address's open orders, and names a replica that alters one", async () => {
    const { orders, truncated } = await verifyOpenOrders({
      registry,
      address: alice.address,
      bls: verifier,
      sleep: noWait,
    })
    expect(truncated).toBe(false)
    expect(orders).toEqual([
      {
        orderId: expect.stringMatching(/^0x[0-9a-f]{64}$/),
        value: `ETH/USDT buy 199000 ${alice.address} limit 10 10 2 0`,
        index: 2,
        signers: ['replica-1', 'replica-2'],
        verified: true,
      },
    ])
    const lyingUrl = registry.replicas[0]!.url
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).startsWith(`${lyingUrl}/orders`)) return response
      const body = (await response.json()) as { proofs: { orders: { value: string }[] } }
      for (const order of body.proofs.orders) order.value = order.value.replace(' 10 10 ', ' 9 10 ')
      return new Response(JSON.stringify(body), { status: 200 })
    }
    const altered = await verifyOpenOrders({
      registry,
      address: alice.address,
      replicaUrl: lyingUrl,
      bls: verifier,
      fetch: lying,
      sleep: noWait,
    })
    expect(altered.orders[0]).toMatchObject({ verified: false })
    expect(altered.orders[0]!.problem).toMatch(/^replica-1 served an order .*root_mismatch/)
  })

  it('names a replica that serves a value its proof does not tie to the quorum root', async () => {
    const lyingUrl = registry.replicas[0]!.url
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).startsWith(`${lyingUrl}/balances`)) return response
      const body = (await response.json()) as { balances: { available: string }[] }
      const usdt = body.balances[0]!
      usdt.available = String(BigInt(usdt.available) + 1n)
      return new Response(JSON.stringify(body), { status: 200 })
    }
    const [usdt] = await verifyAddressBalances({
      registry,
      address: bob.address,
      replicaUrl: lyingUrl,
      bls: verifier,
      fetch: lying,
      sleep: noWait,
    })
    expect(usdt).toMatchObject({ token: 'USDT', available: bobUsdt + 1n, verified: false })
    expect(usdt!.problem).toMatch(/^replica-1 served a value .*root_mismatch/)
  })

  it('refuses a root fewer replicas than the quorum signed', async () => {
    const alone = {
      ...registry,
      replicas: registry.replicas.map((replica, i) =>
        i === 1 ? { ...replica, url: 'http://127.0.0.1:9' } : replica,
      ),
    }
    const [usdt] = await verifyAddressBalances({
      registry: alone,
      address: bob.address,
      replicaUrl: registry.replicas[0]!.url,
      bls: verifier,
      attempts: 2,
      sleep: noWait,
      timeoutMs: 2_000,
    })
    expect(usdt).toMatchObject({ verified: false, available: bobUsdt })
    expect(usdt!.problem).toMatch(/1 of 3 replicas signed index 2, quorum 2: below_quorum/)
  })

  it('names a replica whose root attestation does not verify, beside the missing quorum', async () => {
    const lyingUrl = registry.replicas[0]!.url
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).startsWith(`${lyingUrl}/root`)) return response
      const body = (await response.json()) as { attestation: { stateHash: string } }
      body.attestation.stateHash = `0x${'77'.repeat(32)}`
      return new Response(JSON.stringify(body), { status: 200 })
    }
    const [usdt] = await verifyAddressBalances({
      registry,
      address: bob.address,
      replicaUrl: registry.replicas[1]!.url,
      bls: verifier,
      fetch: lying,
      attempts: 1,
      sleep: noWait,
    })
    expect(usdt).toMatchObject({ verified: false, available: bobUsdt })
    expect(usdt!.problem).toBe(
      '1 of 3 replicas signed index 2, quorum 2: below_quorum ' +
        '(replica-1 bad_signature: signature does not verify under the registry key)',
    )
  })
})

describe('verifying right after an apply', () => {
  it('asks a replica again while it answers 503 proof_unavailable, not the next one', async () => {
    // Replicas that hash at most every 2 s: an order placed right after a hash cannot be proven
    // until the next, and each replica answers 503 `proof_unavailable` meanwhile.
    const slow = new InMemorySequencer()
    const pair = await serveReplicas({
      sequencer: slow,
      registry: trusted,
      positions: [1, 2],
      parameters: { stateHashIntervalMs: 2_000 },
    })
    const trader = traders[7]!
    const hashedAt = async (replica: Replica) =>
      ((await (await replica.app.request('/root')).json()) as { attestation: { index: number } })
        .attestation.index
    const fields = { action: 'order', market: 'ETH/USDT', side: 'sell', type: 'limit' }
    const limit = { price: '2700', quantity: '0.01', timeInForce: 'GTC' }
    slow.append(
      JSON.stringify([signIntent(trader, testTokens, { ...fields, ...limit, nonce: '1' })]),
    )
    await waitFor(async () =>
      (await Promise.all(pair.replicas.map(hashedAt))).every((i) => i === 1),
    )
    slow.append(
      JSON.stringify([signIntent(trader, testTokens, { ...fields, ...limit, nonce: '2' })]),
    )
    await waitFor(() => pair.replicas.every((replica) => replica.state.position.index === 2))
    const listed = await pair.replicas[0]!.app.request(`/orders?address=${trader.address}`)
    const { orders } = (await listed.json()) as { orders: OrderView[] }
    const orderId = orders.find((order) => order.placedIndex === 2)!.orderId
    const statuses: string[] = []
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      const url = new URL(String(input))
      if (url.pathname.startsWith('/order/')) statuses.push(`${url.port} ${response.status}`)
      return response
    }
    const parameters = { registry: pair.registry, bls: verifier, fetch: recording, attempts: 25 }
    const checked = await verifyOrder({ ...parameters, sleep: async () => delay(200) }, orderId)
    expect(checked).toMatchObject({ verified: true, index: 2 })
    const first = new URL(pair.registry.replicas[0]!.url).port
    expect(statuses[0]).toBe(`${first} 503`)
    expect(statuses.every((line) => line.startsWith(`${first} `))).toBe(true)
  })
})

describe('verifyOpenOrders over HTTP, past one page', () => {
  it('verifies all of 150 open orders from two pages and one root', async () => {
    const trader = traders[5]!
    const orders = Array.from({ length: 150 }, (_, i) => ({
      action: 'order',
      nonce: String(1_000 + i),
      market: 'ETH/USDT',
      side: 'buy',
      type: 'limit',
      price: String(1_000 + i),
      quantity: '0.01',
      timeInForce: 'GTC',
    }))
    for (let at = 0; at < orders.length; at += 15) {
      const batch = orders.slice(at, at + 15).map((order) => signIntent(trader, testTokens, order))
      sequencer.append(JSON.stringify(batch))
    }
    const index = sequencer.chainingHashes.length
    await waitFor(() => replicas.every((replica) => replica.state.position.index === index))
    // Both replicas have signed the root of the last batch: the first check can succeed.
    const latestRoot = async (replica: Replica) =>
      ((await (await replica.app.request('/root')).json()) as { attestation: { index: number } })
        .attestation.index
    await waitFor(async () =>
      (await Promise.all(replicas.map(latestRoot))).every((i) => i === index),
    )
    const asked: string[] = []
    const counting: typeof fetch = async (input, init) => {
      asked.push(new URL(String(input)).pathname)
      return fetch(input, init)
    }
    const { orders: verified, truncated } = await verifyOpenOrders({
      registry,
      address: trader.address,
      bls: verifier,
      fetch: counting,
      sleep: noWait,
    })
    expect(truncated).toBe(false)
    expect(verified).toHaveLength(150)
    expect(verified.filter((order) => order.verified)).toHaveLength(150)
    // One request per page of 100 orders, and one root attestation per registry replica.
    expect(asked.filter((path) => path === '/orders')).toHaveLength(2)
    expect(asked.filter((path) => path === '/root')).toHaveLength(3)
  })
})

describe('verifyOrder over HTTP', () => {
  it('proves an order open, then cancelled no longer open, and names a replica that alters it', async () => {
    // Trader 6 rests one order, proven open at a root both replicas signed.
    const trader = traders[6]!
    const fields = { action: 'order', nonce: '5000', market: 'ETH/USDT', side: 'sell' }
    const limit = { type: 'limit', price: '2600', quantity: '0.01', timeInForce: 'GTC' }
    sequencer.append(JSON.stringify([signIntent(trader, testTokens, { ...fields, ...limit })]))
    const placedAt = sequencer.chainingHashes.length
    await waitFor(() => replicas.every((replica) => replica.state.position.index === placedAt))
    const listed = await replicas[0]!.app.request(`/orders?address=${trader.address}`)
    const orderId = ((await listed.json()) as { orders: { orderId: string }[] }).orders[0]!.orderId
    const check = (extra: { fetch?: typeof fetch; replicaUrl?: string } = {}) =>
      verifyOrder(
        { registry, bls: verifier, sleep: async () => delay(200), attempts: 25, ...extra },
        orderId,
      )

    const open = await check()
    expect(open).toMatchObject({ proven: 'open', verified: true, index: placedAt })
    expect(open.value).toMatch(new RegExp(`^ETH/USDT sell 260000 ${trader.address} limit 10 10 `))
    expect(open.stored).toMatchObject({ orderId, status: 'open' })

    const lyingUrl = registry.replicas[0]!.url
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).startsWith(`${lyingUrl}/order/`)) return response
      const body = (await response.json()) as { proof: { value: string } }
      body.proof.value = body.proof.value.replace(' 10 10 ', ' 9 10 ')
      return new Response(JSON.stringify(body), { status: 200 })
    }
    const altered = await check({ fetch: lying, replicaUrl: lyingUrl })
    expect(altered).toMatchObject({ verified: false })
    expect(altered.problem).toMatch(/^replica-1 served an order .*root_mismatch/)

    const cancel = { action: 'cancel', nonce: '5001', market: 'ETH/USDT', orderId }
    sequencer.append(JSON.stringify([signIntent(trader, testTokens, cancel)]))
    const cancelledAt = sequencer.chainingHashes.length
    await waitFor(() => replicas.every((replica) => replica.state.position.index === cancelledAt))
    // Proofs are at each replica's latest hash: asked again until both have signed this index.
    const closed = await check()
    expect(closed).toMatchObject({ proven: 'not_open', verified: true, index: cancelledAt })
    expect(closed.value).toBeUndefined()
    expect(closed.stored).toMatchObject({ orderId, status: 'cancelled' })

    const unknown = await verifyOrder(
      { registry, bls: verifier, sleep: noWait },
      `0x${'cd'.repeat(32)}`,
    )
    expect(unknown).toMatchObject({
      verified: false,
      problem: expect.stringMatching(/: no proof served \((404 order_not_found|fetch failed)\)$/),
    })
  })
})

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
