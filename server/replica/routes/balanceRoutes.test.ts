import { afterEach, describe, expect, it } from 'vitest'
import {
  errorResponseSchema,
  signedBalanceSchema,
  type SignedBalance,
} from '../../../shared/api/index.ts'
import { verifyBalanceAttestation } from '../../../shared/attest/index.ts'
import type { Replica } from '../replica.ts'
import {
  bob,
  InMemorySequencer,
  waitFor,
  sqliteOf,
  sendToBob,
  startReplica,
  stopReplica,
  stopStartedReplicas,
} from '../testing.ts'

afterEach(stopStartedReplicas)

async function balanceOfBob(replica: Replica, index?: number): Promise<SignedBalance> {
  const query = `address=${bob.address}&token=USDT${index === undefined ? '' : `&index=${index}`}`
  const response = await replica.app.request(`/balance?${query}`)
  expect(response.status).toBe(200)
  return signedBalanceSchema.parse(await response.json())
}

describe('signed balances', () => {
  it('name the chaining hash of their index and the genesis hash, from the store for past indexes and after a restart', async () => {
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({ sequencer })
    for (let nonce = 1; nonce <= 3; nonce += 1) sendToBob(sequencer, nonce, '1')
    await waitFor(() => replica.state.position.index === 3)
    const genesisHash = replica.state.genesisHash
    expect(genesisHash).toMatch(/^0x[0-9a-f]{64}$/)
    const key = replica.deps.registry.replicas[0]!.blsPublicKey

    const expected = [
      { index: 0, chainingHash: '', available: '1000000000000' },
      { index: 1, chainingHash: sequencer.chainingHashes[0], available: '1000001000000' },
      { index: 2, chainingHash: sequencer.chainingHashes[1], available: '1000002000000' },
      { index: 3, chainingHash: sequencer.chainingHashes[2], available: '1000003000000' },
    ]
    const answers = async (from: Replica) =>
      Promise.all(expected.map(({ index }) => balanceOfBob(from, index)))
    for (const [position, signed] of (await answers(replica)).entries()) {
      expect(signed.attestation).toMatchObject({ ...expected[position], genesisHash })
      expect(verifyBalanceAttestation(signed.attestation, signed.signature, key)).toBe(true)
    }
    expect((await balanceOfBob(replica)).attestation.chainingHash).toBe(sequencer.chainingHashes[2])
    const all = await replica.app.request(`/balances?address=${bob.address}&index=2`)
    for (const signed of ((await all.json()) as { balances: SignedBalance[] }).balances) {
      expect(signed.attestation.chainingHash).toBe(sequencer.chainingHashes[1])
    }

    // Restarted from its database, the replica signs the same statements.
    const before = await answers(replica)
    await stopReplica(replica)
    const restarted = await startReplica({ sequencer, databaseFile: sqliteOf(replica.state).name })
    expect((await answers(restarted)).map((signed) => signed.attestation)).toEqual(
      before.map((signed) => signed.attestation),
    )
  })

  it('made with one key on two histories never state two balances for one history', async () => {
    // The same replica key twice, the second time on a fresh database that followed another
    // sequence (a reset): at index 1 bob has 1 USDT more in one history and 5 in the other.
    const first = new InMemorySequencer()
    const second = new InMemorySequencer()
    sendToBob(first, 1, '1')
    sendToBob(second, 1, '5')
    const one = await startReplica({ sequencer: first })
    const other = await startReplica({ sequencer: second })
    await waitFor(() => one.state.position.index === 1 && other.state.position.index === 1)
    const [a, b] = [await balanceOfBob(one, 1), await balanceOfBob(other, 1)]
    expect(a.attestation.available).not.toBe(b.attestation.available)
    expect(a.attestation.chainingHash).toBe(first.chainingHashes[0])
    expect(b.attestation.chainingHash).toBe(second.chainingHashes[0])
    expect(a.attestation.chainingHash).not.toBe(b.attestation.chainingHash)
  })
})

describe('signed reads', () => {
  it('are limited per client address across /balance, /balances and /aggregate_balance', async () => {
    // Each answer may cost fresh BLS signatures or a fan-out: one client cannot make a replica
    // sign without bound. Four units: the USDT balance (one signature), the two others (two),
    // the USDT balance again (cached: one request).
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: { signedReadRatePerSecond: 1, signedReadBurst: 4 },
    })
    const read = (path: string) => replica.app.request(`${path}?address=${bob.address}&token=USDT`)
    expect((await read('/balance')).status).toBe(200)
    expect((await read('/balances')).status).toBe(200)
    expect((await read('/balance')).status).toBe(200)
    const refused = await read('/aggregate_balance')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('1')
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limited' } })
  })

  it('bound the signatures a client makes, not its requests', async () => {
    // Each `/balances` for a new address signs every token (about 2 ms each on the apply
    // thread): counted per request, one client's burst made three times as many signatures.
    // The replica-wide budget is lifted: this is the client's own limit.
    const burst = 400
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: {
        signedReadRatePerSecond: 0.01,
        signedReadBurst: burst,
        signaturesPerSecond: 1_000_000,
        signaturesBurst: 1_000_000,
      },
    })
    const statuses: number[] = []
    for (let n = 0; n < burst; n++) {
      const address = `0x${(0x1000 + n).toString(16).padStart(40, '0')}`
      const response = await replica.app.request(`/balances?address=${address}`)
      statuses.push(response.status)
      if (response.status === 429) {
        expect(Number(response.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1)
        const body = errorResponseSchema.parse(await response.json())
        expect(body.error.code).toBe('rate_limited')
      }
    }
    expect(replica.deps.signer.misses).toBeLessThanOrEqual(burst)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0)
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0)
  })

  it('cost one request each when every signature is cached', async () => {
    // A wallet polling its balances at an unchanged index makes no signature after its first.
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: { signedReadRatePerSecond: 0.01, signedReadBurst: 6 },
    })
    const read = () => replica.app.request(`/balances?address=${bob.address}`)
    // Three signatures (one per token), then three answers from the cache.
    for (let n = 0; n < 4; n++) expect((await read()).status).toBe(200)
    expect(replica.deps.signer.misses).toBe(3)
    expect((await read()).status).toBe(429)
  })

  it('share that one allowance with proven orders and root certificates', async () => {
    // As an API process gives it: one allowance per client for every read that costs a
    // signature, a proof or a fan-out, not one per group of routes.
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: { signedReadRatePerSecond: 0.01, signedReadBurst: 2 },
    })
    const get = (path: string) => replica.app.request(path)
    expect((await get(`/balance?address=${bob.address}&token=USDT`)).status).toBe(200)
    expect((await get(`/orders?address=${bob.address}&proof=1`)).status).toBe(200)
    expect((await get(`/orders?address=${bob.address}&proof=1`)).status).toBe(429)
    expect((await get('/root_certificate')).status).toBe(429)
    expect((await get(`/orders?address=${bob.address}`)).status).toBe(200)
  })

  it('are not limited, nor submissions, snapshots and event streams, on an applier behind its API processes', async () => {
    // Every request it gets comes from its API processes' address, each client already limited
    // there: limits here would make all their clients share one allowance.
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: {
        rateLimits: false,
        signedReadRatePerSecond: 0.01,
        signedReadBurst: 1,
        submitRatePerSecond: 0.01,
        submitBurst: 1,
        eventStreamsPerClientMax: 1,
      },
    })
    const streams = [await replica.app.request('/events'), await replica.app.request('/events')]
    expect(streams.map((stream) => stream.status)).toEqual([200, 200])
    for (const stream of streams) await stream.body?.cancel()
    for (let read = 0; read < 4; read++) {
      const balance = await replica.app.request(`/balance?address=${bob.address}&token=USDT`)
      expect(balance.status).toBe(200)
      expect((await replica.app.request('/snapshot')).status).not.toBe(429)
      const submit = await replica.app.request('/transfer', { method: 'POST', body: '{}' })
      expect(submit.status).toBe(400)
    }
  })
})
