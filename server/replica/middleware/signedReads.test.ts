import type { ServerType } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { requestFrom } from '../../zellular/testing.ts'
import type { ReplicaParameters } from '../replica.ts'
import {
  bob,
  InMemorySequencer,
  serveOnLoopback,
  startReplica,
  stopStartedReplicas,
  testTokens,
} from '../testing.ts'

/*
 * The replica-wide signing budget, over real HTTP on loopback: 127.0.0.x are distinct clients,
 * each with its own signed-read allowance (left at its default, far above what is used here).
 * The budget refills at 0.001 signatures a second: what a test makes is its burst alone, however
 * slow the machine.
 */

const servers: ServerType[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) server.close()
  await stopStartedReplicas()
})

/** A replica serving HTTP on 127.0.0.1:`port`, and a GET from a loopback address to it. */
async function servedReplica(port: number, parameters: Partial<ReplicaParameters>) {
  const replica = await startReplica({ sequencer: new InMemorySequencer(), parameters })
  servers.push((await serveOnLoopback(replica.app.fetch, port)).server)
  const get = (from: string, path: string) =>
    requestFrom(from, `http://127.0.0.1:${port}`, 'GET', path)
  return { replica, get }
}

/** An address no read asked for before: its balances are not in the signature cache. */
const freshAddress = (n: number) => `0x${(0xbee000 + n).toString(16).padStart(40, '0')}`

/** One signature per token for an uncached address. */
const tokensCount = testTokens.size

describe('the replica-wide signing budget', () => {
  it('bounds the new signatures of many clients together, each far from its own limit', async () => {
    const burst = 12
    const { replica, get } = await servedReplica(31410, {
      signaturesPerSecond: 0.001,
      signaturesBurst: burst,
    })
    const statuses: number[] = []
    for (let client = 10; client < 50; client++) {
      const answer = await get(`127.0.0.${client}`, `/balances?address=${freshAddress(client)}`)
      statuses.push(answer.status)
      if (answer.status !== 200) {
        expect(answer.status).toBe(503)
        expect(answer.code).toBe('overloaded')
        expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1)
      }
    }
    // 40 clients asked for 40 × 3 signatures; the budget had 12.
    expect(replica.deps.signer.misses).toBeLessThanOrEqual(burst)
    expect(statuses.filter((status) => status === 200).length).toBe(burst / tokensCount)
    expect(statuses.filter((status) => status === 503).length).toBe(40 - burst / tokensCount)
  })

  it('leaves reads the signature cache answers working when it is spent', async () => {
    const { replica, get } = await servedReplica(31411, {
      signaturesPerSecond: 0.001,
      signaturesBurst: 2 * tokensCount,
    })
    const polled = `/balances?address=${bob.address}`
    expect((await get('127.0.0.10', polled)).status).toBe(200)
    expect((await get('127.0.0.11', `/balances?address=${freshAddress(1)}`)).status).toBe(200)
    const refused = await get('127.0.0.12', `/balance?address=${freshAddress(2)}&token=USDT`)
    expect(refused.status).toBe(503)
    const misses = replica.deps.signer.misses
    // The spent budget refuses new signatures only: every client still reads cached ones.
    for (const client of ['127.0.0.10', '127.0.0.12', '127.0.0.13']) {
      expect((await get(client, polled)).status).toBe(200)
      expect((await get(client, `/balance?address=${bob.address}&token=ETH`)).status).toBe(200)
    }
    expect(replica.deps.signer.misses).toBe(misses)
  })

  it('keeps a reserve that clients past their share cannot take, for the others', async () => {
    // 60 signatures: 45 open to every client, 15 kept for clients within their share of the
    // budget (3 signatures at once, a twentieth of it). Four clients read until refused; a
    // fifth, which has asked nothing, still gets its balances signed.
    const { replica, get } = await servedReplica(31412, {
      signaturesPerSecond: 0.001,
      signaturesBurst: 60,
    })
    let n = 100
    for (let client = 10; client < 14; client++) {
      let status = 200
      for (let reads = 0; status === 200; reads++) {
        expect(reads).toBeLessThan(20)
        status = (await get(`127.0.0.${client}`, `/balances?address=${freshAddress(n++)}`)).status
      }
      expect(status).toBe(503)
    }
    const heavy = replica.deps.signer.misses
    expect(heavy).toBeLessThan(60)
    const light = await get('127.0.0.20', `/balances?address=${freshAddress(n++)}`)
    expect(light.status).toBe(200)
    expect(replica.deps.signer.misses).toBe(heavy + tokensCount)
  })

  it('caps an applier behind its API processes too, with no share for their one address', async () => {
    // Its clients are its API processes: one address (here `local`) that may take it all.
    const replica = await startReplica({
      sequencer: new InMemorySequencer(),
      parameters: { rateLimits: false, signaturesPerSecond: 0.001, signaturesBurst: 8 },
    })
    const read = (n: number) =>
      replica.app.request(`/balance?address=${freshAddress(n)}&token=USDT`)
    for (let n = 0; n < 8; n++) expect((await read(n)).status).toBe(200)
    const refused = await read(8)
    expect(refused.status).toBe(503)
    expect(await refused.json()).toMatchObject({ error: { code: 'overloaded' } })
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
    expect(replica.deps.signer.misses).toBe(8)
  })
})
