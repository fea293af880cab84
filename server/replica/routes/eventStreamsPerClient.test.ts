import { serve, type ServerType } from '@hono/node-server'
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorResponseSchema } from '../../../shared/api/index.ts'
import type { Replica } from '../replica.ts'
import { createTestReplica, InMemorySequencer } from '../testing.ts'

/*
 * One client may not hold every event stream a replica serves: the hub's cap is shared by all
 * clients, so one machine opening that many would cut every other user's live data. Over real
 * HTTP on loopback, where 127.0.0.1 and 127.0.0.2 are two clients.
 */

let replica: Replica
let running: Promise<void>
let server: ServerType
let port: number
const opened: ClientRequest[] = []

beforeAll(async () => {
  replica = await createTestReplica({
    sequencer: new InMemorySequencer(),
    parameters: { eventStreamsPerClientMax: 2, eventSubscribersMax: 10 },
  })
  running = replica.start()
  server = serve({ fetch: replica.app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((resolve) => server.once('listening', resolve))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  for (const request of opened) request.destroy()
  server.close()
  await replica.stop()
  await running
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
