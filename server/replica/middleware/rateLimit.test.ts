import type { ServerType } from '@hono/node-server'
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../../shared/api/index.ts'
import { signIntent } from '../../../shared/exchange/testing.ts'
import type { Replica } from '../replica.ts'
import { RateLimiter } from './rateLimit.ts'
import {
  alice,
  bob,
  createTestReplica,
  faucet,
  InMemorySequencer,
  serveOnLoopback,
  testTokens,
} from '../testing.ts'

/*
 * Submissions and event streams are limited per client IP address, over real HTTP on loopback:
 * 127.0.0.1 and 127.0.0.2 are two clients of the same server.
 */

let replica: Replica
let running: Promise<void>
let server: ServerType
let port: number
let nonce = 0
const opened: ClientRequest[] = []

beforeAll(async () => {
  replica = await createTestReplica({
    sequencer: new InMemorySequencer(),
    parameters: {
      submitRatePerSecond: 1,
      submitBurst: 4,
      eventStreamsPerClientMax: 2,
      eventSubscribersMax: 10,
    },
  })
  running = replica.start()
  const served = await serveOnLoopback(replica.app.fetch)
  server = served.server
  port = served.port
})
afterAll(async () => {
  for (const request of opened) request.destroy()
  server.close()
  await replica.stop()
  await running
})

/** One request from `from` (a loopback address) to the replica; status, Retry-After and body. */
function send(from: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body)
  return new Promise<{ status: number; retryAfter: string | undefined; body: unknown }>(
    (resolve, reject) => {
      const outgoing = httpRequest({
        host: '127.0.0.1',
        port,
        path,
        method,
        localAddress: from,
        headers: text === undefined ? {} : { 'Content-Type': 'application/json' },
      })
      outgoing.on('response', (response) => {
        let answer = ''
        response.on('data', (chunk: Buffer) => (answer += chunk.toString()))
        response.on('end', () => {
          const retryAfter = response.headers['retry-after']
          resolve({ status: response.statusCode!, retryAfter, body: JSON.parse(answer) })
        })
      })
      outgoing.on('error', reject)
      outgoing.end(text)
    },
  )
}

const transfer = (account = alice) =>
  signIntent(account, testTokens, {
    action: 'transfer',
    nonce: String(++nonce),
    to: bob.address,
    token: 'USDT',
    amount: '1',
  })
const order = () =>
  signIntent(alice, testTokens, {
    action: 'order',
    nonce: String(++nonce),
    market: 'ETH/USDT',
    side: 'buy',
    type: 'limit',
    price: '1000',
    quantity: '0.01',
    timeInForce: 'GTC',
  })
const mint = () =>
  signIntent(faucet, testTokens, {
    action: 'mint',
    nonce: String(++nonce),
    to: alice.address,
    token: 'BTC',
    amount: '1',
  })

describe('per-IP submission limit', () => {
  it('shares one allowance across the submit routes; 429 with Retry-After past it', async () => {
    const answers = [
      await send('127.0.0.1', 'POST', '/transfer', transfer()),
      await send('127.0.0.1', 'POST', '/order', order()),
      await send('127.0.0.1', 'POST', '/mint', mint()),
      await send('127.0.0.1', 'POST', '/transfer', transfer()),
    ]
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202])
    const refused = await send('127.0.0.1', 'POST', '/transfer', transfer())
    expect(refused.status).toBe(429)
    expect(errorResponseSchema.parse(refused.body).error.code).toBe('rate_limited')
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1)
    const cancel = signIntent(alice, testTokens, {
      action: 'cancelAll',
      nonce: String(++nonce),
      market: 'ETH/USDT',
    })
    expect((await send('127.0.0.1', 'POST', '/cancel', cancel)).status).toBe(429)
    // Reads are not submissions, and another address has its own allowance.
    expect((await send('127.0.0.1', 'GET', '/status')).status).toBe(200)
    expect((await send('127.0.0.2', 'POST', '/transfer', transfer())).status).toBe(202)
  })

  it('gives the allowance back over time', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await send('127.0.0.1', 'POST', '/transfer', transfer())).status).toBe(202)
    expect((await send('127.0.0.1', 'POST', '/transfer', transfer())).status).toBe(429)
  })
})

/** Opens `GET /events` from `from`; resolves with the answer once its status is known. */
function openStream(from: string): Promise<{ request: ClientRequest; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: '/events', localAddress: from })
    opened.push(request)
    request.on('response', (response) => resolve({ request, response }))
    request.on('error', reject)
    request.end()
  })
}

async function bodyOf(response: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of response) text += String(chunk)
  return JSON.parse(text)
}

describe('event streams per client', () => {
  // The hub's cap is shared by every client: one machine holding all of it would cut every
  // other user's live data.
  it('refuses a client past its share with 429 and Retry-After, others still served', async () => {
    const first = await openStream('127.0.0.1')
    const second = await openStream('127.0.0.1')
    expect([first.response.statusCode, second.response.statusCode]).toEqual([200, 200])

    const third = await openStream('127.0.0.1')
    expect(third.response.statusCode).toBe(429)
    expect(Number(third.response.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(errorResponseSchema.parse(await bodyOf(third.response)).error.code).toBe('rate_limited')
    // Another address has its own share of the hub.
    expect((await openStream('127.0.0.2')).response.statusCode).toBe(200)

    // A stream that ends gives its place back.
    first.request.destroy()
    let again = await openStream('127.0.0.1')
    for (let tries = 0; again.response.statusCode === 429 && tries < 50; tries++) {
      again.request.destroy()
      await new Promise((resolve) => setTimeout(resolve, 20))
      again = await openStream('127.0.0.1')
    }
    expect(again.response.statusCode).toBe(200)
  })
})

describe('RateLimiter costs', () => {
  it('takes a cost all or none, and a cost above the burst as a full bucket', () => {
    let nowMs = 0
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 4, now: () => nowMs })
    expect(limiter.take('a', 3)).toBe(0)
    // One token left: two are a second away, and none is taken meanwhile.
    expect(limiter.take('a', 2)).toBe(1000)
    expect(limiter.take('a', 1)).toBe(0)
    expect(limiter.take('a', 1)).toBe(1000)
    nowMs += 4000
    expect(limiter.take('a', 10)).toBe(0)
    expect(limiter.take('a', 1)).toBe(1000)
  })
})
