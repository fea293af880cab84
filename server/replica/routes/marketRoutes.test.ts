import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../../shared/api/index.ts'
import { signIntent } from '../../../shared/exchange/testing.ts'
import type { Replica } from '../replica.ts'
import {
  alice,
  bob,
  createTestReplica,
  InMemorySequencer,
  testTokens,
  waitFor,
} from '../testing.ts'

/*
 * Every list the market routes answer is a page with a cap: a request costs the apply thread
 * at most a page of rows, however many orders, fills or trades an address or market has.
 */

const restingOrders = 7
const takerOrders = 55
let sequencer: InMemorySequencer
let replica: Replica
let running: Promise<void>
// The batch's sync point is signed at 1.8e9 s; nonces are milliseconds around that time.
const syncPointSeconds = 1_800_000_000
const batchTimeMs = syncPointSeconds * 1000
let nonce = batchTimeMs

const order = (account: typeof alice, side: string, price: string, timeInForce = 'GTC') =>
  signIntent(account, testTokens, {
    action: 'order',
    nonce: String(++nonce),
    market: 'ETH/USDT',
    side,
    type: 'limit',
    price,
    quantity: side === 'sell' ? '1' : '0.01',
    timeInForce,
  })

beforeAll(async () => {
  sequencer = new InMemorySequencer()
  sequencer.timestamp = syncPointSeconds
  replica = await createTestReplica({ sequencer })
  running = replica.start()
  // Bob's one sell order is filled by 55 small IOC buys of Alice, who also rests 7 bids.
  const intents = [order(bob, 'sell', '2500')]
  for (let i = 0; i < restingOrders; i += 1) intents.push(order(alice, 'buy', String(2000 + i)))
  for (let i = 0; i < takerOrders; i += 1) intents.push(order(alice, 'buy', '2500', 'IOC'))
  sequencer.append(JSON.stringify(intents))
  await waitFor(() => replica.state.position.index === 1)
})
afterAll(async () => {
  await replica.stop()
  await running
})

async function get(path: string) {
  const response = await replica.app.request(path)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

interface OrdersPage {
  orders: { orderId: string; status: string; fills: unknown[]; fillsTruncated: boolean }[]
  next: string | null
}

describe('GET /orders', () => {
  it('pages through every order, open ones first, at most `limit` per page', async () => {
    const seen: OrdersPage['orders'] = []
    let path = `/orders?address=${alice.address}&limit=10`
    for (let page = 0; page < 20; page += 1) {
      const { status, body } = await get(path)
      expect(status).toBe(200)
      const answer = body as unknown as OrdersPage
      expect(answer.orders.length).toBeLessThanOrEqual(10)
      seen.push(...answer.orders)
      if (answer.next === null) break
      expect(answer.next).toMatch(/^[!-~]{1,200}$/)
      path = `/orders?address=${alice.address}&limit=10&cursor=${encodeURIComponent(answer.next)}`
    }
    expect(seen).toHaveLength(restingOrders + takerOrders)
    expect(new Set(seen.map((item) => item.orderId)).size).toBe(seen.length)
    const statuses = seen.map((item) => item.status)
    expect(statuses.slice(0, restingOrders)).toEqual(Array(restingOrders).fill('open'))
    expect(statuses.slice(restingOrders)).not.toContain('open')
  })

  it('caps the fills of each order and says when some were left out', async () => {
    const { body } = await get(`/orders?address=${bob.address}`)
    const [sell] = (body as unknown as OrdersPage).orders
    expect(sell?.fills).toHaveLength(50)
    expect(sell?.fills.every((fill) => (fill as { time: number }).time === batchTimeMs)).toBe(true)
    expect(sell?.fillsTruncated).toBe(true)
    const { body: small } = await get(`/orders?address=${alice.address}&limit=1`)
    expect((small as unknown as OrdersPage).orders[0]?.fillsTruncated).toBe(false)
  })

  it('refuses a limit over the cap and a malformed cursor', async () => {
    for (const query of ['limit=101', 'limit=0', 'cursor=nonsense', 'cursor=o.1.0x12']) {
      const { status, body } = await get(`/orders?address=${alice.address}&${query}`)
      expect([query, status]).toEqual([query, 400])
      expect(errorResponseSchema.parse(body).error.field).toBe(query.split('=')[0])
    }
  })
})

describe('GET /trades', () => {
  it('pages through a market’s trades, newest first, at most `limit` per page', async () => {
    const seqs: number[] = []
    let path = '/trades?market=ETH/USDT&limit=20'
    for (let page = 0; page < 10; page += 1) {
      const { status, body } = await get(path)
      expect(status).toBe(200)
      const answer = body as { trades: { seq: number; time: number }[]; next: string | null }
      expect(answer.trades.length).toBeLessThanOrEqual(20)
      expect(answer.trades.every((trade) => trade.time === batchTimeMs)).toBe(true)
      seqs.push(...answer.trades.map((trade) => trade.seq))
      if (answer.next === null) break
      path = `/trades?market=ETH/USDT&limit=20&cursor=${encodeURIComponent(answer.next)}`
    }
    expect(seqs).toEqual(Array.from({ length: takerOrders }, (_, i) => takerOrders - i))
    expect((await get('/trades?market=ETH/USDT&limit=501')).status).toBe(400)
  })
})
