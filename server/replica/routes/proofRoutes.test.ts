import { herumi } from '../../../shared/attest/herumi.ts'
import { createServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  errorResponseSchema,
  orderResponseSchema,
  ordersResponseSchema,
  provenBalancesResponseSchema,
  statusResponseSchema,
} from '../../../shared/api/index.ts'
import {
  createBlsVerifier,
  rootCertificateSchema,
  signedRootSchema,
  verifyRootCertificate,
  verifyRootQuorum,
  type SignedRoot,
} from '../../../shared/attest/index.ts'
import {
  judgeBalanceProof,
  judgeOrderProof,
  splitBalanceProofs,
  splitOrderProofs,
  type ProofAnswer,
} from '../../../shared/exchange/index.ts'
import { signIntent, testAccount, testDomain } from '../../../shared/exchange/testing.ts'
import { intentId } from '../../../shared/intents/index.ts'
import type { Replica } from '../replica.ts'
import { RootAttestations } from '../rootAttestations.ts'
import {
  alice,
  bob,
  InMemorySequencer,
  testBlsKey,
  testRegistry,
  testTokens,
  waitFor,
  sendToBob,
  serveReplicas,
  startReplica,
  stopReplica,
  stopStartedReplicas,
} from '../testing.ts'

afterEach(stopStartedReplicas)

async function get(replica: Replica, path: string) {
  const response = await replica.app.request(path)
  return { status: response.status, body: (await response.json()) as unknown }
}

const verifier = createBlsVerifier(herumi)

const tokens = ['USDT', 'ETH', 'BTC']

/** A replica's answer as a client's transport hands it to the judges. */
const answerOf = (replica: Replica, body: unknown): ProofAnswer => ({
  replicaId: replica.deps.replicaId,
  kind: 'answer',
  body,
})

/** Every token's verdict on a proven `/balances` answer, as the web app and the CLI judge it. */
function judgeAll(
  address: string,
  root: { index: number; stateHash: string },
  answer: ProofAnswer,
) {
  const split = splitBalanceProofs(address, tokens, answer)
  return Object.fromEntries(
    tokens.map((token) => [
      token,
      judgeBalanceProof({ address, token, root, answer: split[token]! }),
    ]),
  )
}

describe('root attestations and proven answers', () => {
  it('a quorum of replicas signs the same root, and a proof from one checks against it', async () => {
    const sequencer = new InMemorySequencer()
    sequencer.timestamp = 1_800_000_000
    const registry = testRegistry(3, 15_960)
    const [one, two] = await Promise.all(
      [1, 2].map((position) => startReplica({ sequencer, registry, position })),
    )
    // Nonces are milliseconds near the batch time (the window of the nonce check).
    for (let n = 1; n <= 3; n += 1) sendToBob(sequencer, 1_800_000_000_000 + n, '1')
    await waitFor(() => one!.state.position.index === 3 && two!.state.position.index === 3)

    // Idle at one index, each replica hashes and signs there when asked.
    const roots: SignedRoot[] = []
    for (const replica of [one!, two!]) {
      const status = statusResponseSchema.parse((await get(replica, '/status')).body)
      expect(status.stateHashIndex).toBe(3)
      const latest = await get(replica, '/root')
      expect(latest.status).toBe(200)
      const signed = signedRootSchema.parse(latest.body)
      expect(signed.attestation).toMatchObject({
        index: 3,
        chainingHash: sequencer.chainingHashes[2],
        time: 1_800_000_000_000,
        stateHash: status.stateHash,
        replicaId: replica.deps.replicaId,
      })
      expect((await get(replica, '/root?index=3')).body).toEqual(latest.body)
      roots.push(signed)
    }
    const quorum = verifyRootQuorum({ registry, index: 3, attestations: roots, bls: verifier })
    expect(quorum).toMatchObject({ ok: true, signers: ['replica-1', 'replica-2'] })
    if (!quorum.ok) return
    expect(
      verifyRootQuorum({ registry, index: 3, attestations: roots.slice(1), bls: verifier }),
    ).toEqual({ ok: false, reason: 'below_quorum' })

    // Bob's balances and a stranger's zero balances, proven by replica 1 in one answer each.
    const stranger = testAccount(4242).address
    for (const [address, usdt, eth] of [
      [bob.address, 1_000_003_000_000n, 100n * 10n ** 18n],
      [stranger, 0n, 0n],
    ] as const) {
      const answer = await get(one!, `/balances?address=${address}&proof=1`)
      expect(answer.status).toBe(200)
      const proven = provenBalancesResponseSchema.parse(answer.body)
      expect(proven).toMatchObject({ index: 3, stateHash: quorum.root.stateHash })
      expect(proven.balances.map((balance) => balance.token)).toEqual(tokens)
      const root = { index: 3, stateHash: quorum.root.stateHash }
      expect(judgeAll(address, root, answerOf(one!, proven))).toEqual({
        USDT: { ok: true, available: usdt, locked: 0n },
        ETH: { ok: true, available: eth, locked: 0n },
        BTC: { ok: true, available: 0n, locked: 0n },
      })
      // A replica serving another amount with these proofs is caught.
      const lie = { ...proven, balances: proven.balances.map((b) => ({ ...b, available: '7' })) }
      expect(judgeAll(address, root, answerOf(one!, lie)).USDT).toMatchObject({
        ok: false,
        refusal: 'false_value',
      })
    }
  })

  it('replicas reading a busy sequence sign roots at the same checkpoints, in any grouping', async () => {
    const sequencer = new InMemorySequencer()
    sequencer.finalizing = true
    const seconds = [1_800_000_000, 1_800_000_000, 1_800_000_001, 1_800_000_001, 1_800_000_002]
    const syncPoints = [2, 4, 5]
    seconds.forEach((second, i) => {
      sequencer.timestamp = second
      const fields = { action: 'transfer', nonce: String(second * 1000 + i), to: bob.address }
      const amount = { token: 'USDT', amount: '1' }
      const body = JSON.stringify([signIntent(alice, testTokens, { ...fields, ...amount })])
      sequencer.append(body, syncPoints.includes(i + 1))
    })
    // Everything is final before the replicas start: each may read and commit it in one group.
    const registry = testRegistry(3, 15_950)
    const started = await Promise.all(
      [1, 2].map((position) => startReplica({ sequencer, registry, position })),
    )
    await waitFor(() => started.every((replica) => replica.state.position.index === 5))
    // Sync point 4 is the first of second 1 and 5 the first of second 2: both checkpoints (a
    // replica whose hash of 4 was slow skips 5 while applying, then hashes it once idle there).
    for (const index of [4, 5]) {
      const kept = (replica: Replica) => get(replica, `/root?index=${index}`)
      await waitFor(async () =>
        (await Promise.all(started.map(kept))).every((r) => r.status === 200),
      )
      const answers = await Promise.all(
        started.map(async (replica) => (await get(replica, `/root?index=${index}`)).body),
      )
      const result = verifyRootQuorum({ registry, index, attestations: answers, bls: verifier })
      expect(result).toMatchObject({ ok: true, root: { time: seconds[index - 1]! * 1000 } })
    }
    for (const replica of started) {
      expect((await get(replica, '/root?index=3')).status).toBe(404)
      expect(replica.deps.roots.signed).toBe(2)
    }
  })

  it('prove at the latest hash while the replica has applied more, with the balance of then', async () => {
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: { stateHashIntervalMs: 3_600_000 },
    })
    sendToBob(sequencer, 1, '1')
    await waitFor(() => replica.state.position.index === 1)
    const first = signedRootSchema.parse((await get(replica, '/root')).body)
    expect(first.attestation.index).toBe(1)
    sendToBob(sequencer, 2, '5')
    await waitFor(() => replica.state.position.index === 2)
    // No hash is due for an hour: proofs and the latest root stay at index 1.
    const answer = provenBalancesResponseSchema.parse(
      (await get(replica, `/balances?address=${bob.address}&proof=1`)).body,
    )
    expect(answer).toMatchObject({ index: 1, stateHash: first.attestation.stateHash })
    const root = { index: 1, stateHash: first.attestation.stateHash }
    expect(judgeAll(bob.address, root, answerOf(replica, answer)).USDT).toEqual({
      ok: true,
      available: 1_000_001_000_000n,
      locked: 0n,
    })
    expect((await get(replica, '/root')).body).toEqual(first)
  })

  it('prove the open orders of a page with their fields, leaving out one placed since the hash', async () => {
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: { stateHashIntervalMs: 3_600_000 },
    })
    const place = (nonce: number, price: string) => {
      const fields = { action: 'order', nonce: String(nonce), market: 'ETH/USDT', side: 'buy' }
      const limit = { type: 'limit', price, quantity: '0.01', timeInForce: 'GTC' }
      sequencer.append(JSON.stringify([signIntent(alice, testTokens, { ...fields, ...limit })]))
      return intentId({ ...testDomain, signer: alice.address, nonce: BigInt(nonce) } as never)
    }
    const first = place(7, '1990')
    await waitFor(() => replica.state.position.index === 1)
    const root = signedRootSchema.parse((await get(replica, '/root')).body).attestation
    // No hash is due for an hour: the order placed at index 2 has no leaf at the latest root.
    const second = place(8, '1980')
    await waitFor(() => replica.state.position.index === 2)
    const answer = await get(replica, `/orders?address=${alice.address}&proof=1`)
    expect(answer.status).toBe(200)
    const page = ordersResponseSchema.parse(answer.body)
    expect(page.orders.map((order) => order.orderId).sort()).toEqual([first, second].sort())
    expect(page.proofs).toMatchObject({ index: 1, stateHash: root.stateHash })
    expect(page.proofs?.orders).toEqual([
      {
        orderId: first,
        // Price in ticks, sizes in lots.
        value: `ETH/USDT buy 199000 ${alice.address} limit 10 10 1 0`,
        proof: expect.stringMatching(/^0x/),
      },
    ])
    const split = splitOrderProofs(alice.address, answerOf(replica, page))
    const quorumRoot = { index: 1, stateHash: root.stateHash }
    const judge = (orderId: string) =>
      judgeOrderProof({ orderId, owner: alice.address, root: quorumRoot, answer: split[orderId]! })
    expect(judge(first)).toMatchObject({ ok: true })
    expect(judge(second)).toMatchObject({ ok: false, refusal: 'unavailable' })
    // Without `proof`, the page is as before.
    const plain = await get(replica, `/orders?address=${alice.address}`)
    expect(plain.body).not.toHaveProperty('proofs')
    expect((await get(replica, `/orders?address=${alice.address}&proof=yes`)).status).toBe(400)
  })

  it('prove one order by id: open while it rests, then, cancelled, that it is no longer open', async () => {
    const sequencer = new InMemorySequencer()
    // A state hash at every applied index: each proof is at the index just applied.
    const replica = await startReplica({ sequencer, parameters: { stateHashIntervalMs: 0 } })
    const fields = { nonce: '7', market: 'ETH/USDT', side: 'buy', type: 'limit', price: '1990' }
    const limit = { ...fields, quantity: '0.01', timeInForce: 'GTC' }
    sequencer.append(JSON.stringify([signIntent(alice, testTokens, { action: 'order', ...limit })]))
    const orderId = intentId({ ...testDomain, signer: alice.address, nonce: 7n } as never)
    await waitFor(() => replica.state.position.index === 1)
    const rootAt = async () =>
      signedRootSchema.parse((await get(replica, '/root')).body).attestation
    const proven = async (index: number) => {
      // The replica hashes its state once it has applied nothing for the interval.
      await waitFor(async () => (await rootAt()).index === index)
      const root = await rootAt()
      const answer = await get(replica, `/order/${orderId}?proof=1`)
      expect(answer.status).toBe(200)
      const { order, proof } = orderResponseSchema.parse(answer.body)
      const quorumRoot = { index: root.index, stateHash: root.stateHash }
      const judge = (body: unknown) =>
        judgeOrderProof({
          orderId,
          owner: alice.address,
          root: quorumRoot,
          answer: answerOf(replica, body),
        })
      return { order, proof: proof!, judge }
    }

    const open = await proven(1)
    expect(open.order).toMatchObject({ orderId, status: 'open', price: '1990000000' })
    expect(open.proof).toMatchObject({
      orderId,
      index: 1,
      value: expect.stringMatching(/^ETH\/USDT buy /),
    })
    expect(open.judge(open.proof)).toMatchObject({ ok: true })
    // A replica that serves another price than its proof ties to the root is caught.
    const otherPrice = { ...open.proof, value: open.proof.value!.replace('199000', '198000') }
    expect(open.judge(otherPrice)).toMatchObject({ ok: false, refusal: 'false_value' })

    const cancel = { action: 'cancel', nonce: '8', market: 'ETH/USDT', orderId }
    sequencer.append(JSON.stringify([signIntent(alice, testTokens, cancel)]))
    await waitFor(() => replica.state.position.index === 2)
    const closed = await proven(2)
    expect(closed.order).toMatchObject({ orderId, status: 'cancelled' })
    expect(closed.proof).toMatchObject({ index: 2, value: null })
    // The proof shows the leaf is gone: not open, and no lie.
    expect(closed.judge(closed.proof)).toMatchObject({ ok: false, refusal: 'not_open' })
    // Claiming it still open at that root is a lie.
    expect(closed.judge({ ...closed.proof, value: open.proof.value })).toMatchObject({
      ok: false,
      refusal: 'false_value',
    })

    // Without `proof`, the order alone; an unknown id is 404, a malformed one 400.
    const plain = await get(replica, `/order/${orderId.toUpperCase().replace('0X', '0x')}`)
    expect(plain.status).toBe(200)
    expect(orderResponseSchema.parse(plain.body)).toEqual({ index: 2, order: closed.order })
    const unknown = await get(replica, `/order/0x${'cd'.repeat(32)}`)
    expect(unknown.status).toBe(404)
    expect(errorResponseSchema.parse(unknown.body).error).toMatchObject({
      code: 'order_not_found',
      field: 'id',
    })
    for (const path of ['/order/0x12', `/order/${orderId}?proof=yes`]) {
      const bad = await get(replica, path)
      expect([path, bad.status]).toEqual([path, 400])
    }
  })

  it('answer 404 root_not_kept for an index without a kept root, 400 for a bad index', async () => {
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({ sequencer })
    sendToBob(sequencer, 1, '1')
    await waitFor(() => replica.state.position.index === 1)
    const missing = await get(replica, '/root?index=0')
    expect(missing.status).toBe(404)
    expect(errorResponseSchema.parse(missing.body).error).toMatchObject({
      code: 'root_not_kept',
      field: 'index',
    })
    const bad = await get(replica, '/root?index=x')
    expect(bad.status).toBe(400)
    expect(errorResponseSchema.parse(bad.body).error.code).toBe('invalid_request')
    // Proofs are at the latest state hash only.
    const atIndex = await get(replica, `/balances?address=${bob.address}&proof=1&index=1`)
    expect(atIndex.status).toBe(400)
    expect(errorResponseSchema.parse(atIndex.body).error).toMatchObject({
      code: 'invalid_request',
      field: 'index',
    })
  })
})

describe('proven orders', () => {
  it('are limited like the signed reads, while plain pages of orders are not', async () => {
    // A proven page hashes a bucket per open order; a plain page reads the store only.
    const sequencer = new InMemorySequencer()
    const replica = await startReplica({
      sequencer,
      parameters: { signedReadRatePerSecond: 1, signedReadBurst: 2 },
    })
    const orders = (query: string) => replica.app.request(`/orders?address=${bob.address}${query}`)
    expect((await orders('&proof=1')).status).toBe(200)
    expect((await orders('&proof=1')).status).toBe(200)
    expect((await orders('&proof=1')).status).toBe(429)
    for (let i = 0; i < 5; i++) expect((await orders('')).status).toBe(200)
  })
})

describe('RootAttestations', () => {
  const identity = {
    app: 'zellular-orderbook',
    network: 'devnet',
    registryHash: `0x${'ab'.repeat(32)}`,
    replicaId: 'replica-1',
  }
  const at = (index: number, stateHash = `0x${'11'.repeat(32)}`) => ({
    index,
    chainingHash: '',
    time: 0,
    stateHash,
  })

  it('keep the last keptMax roots, signing each index and hash once', () => {
    const roots = new RootAttestations(testBlsKey(1), identity, 3)
    for (const index of [1, 2, 3, 4, 5]) roots.record(at(index))
    expect(roots.signed).toBe(5)
    expect([1, 2, 3, 4, 5].map((index) => roots.at(index)?.attestation.index)).toEqual([
      undefined,
      undefined,
      3,
      4,
      5,
    ])
    expect(roots.latest()?.attestation.index).toBe(5)
    roots.record(at(5))
    expect(roots.signed).toBe(5)
    roots.record(at(5, `0x${'22'.repeat(32)}`))
    expect(roots.signed).toBe(6)
    expect(roots.at(5)?.attestation.stateHash).toBe(`0x${'22'.repeat(32)}`)
  })
})

describe('root certificates', () => {
  it('one replica gathers its peers’ attestations into one certificate, only with a quorum', async () => {
    const sequencer = new InMemorySequencer()
    sequencer.timestamp = 1_800_000_000
    const registry = testRegistry(3, 15_990)
    // Each replica on its registry URL: peers ask each other over HTTP on 127.0.0.1.
    const positions = [1, 2, 3]
    const { replicas } = await serveReplicas({
      sequencer,
      registry,
      positions,
      atRegistryPorts: true,
    })
    const [one, two, three] = replicas
    const running = [...replicas]
    const applied = (index: number) => running.every((r) => r.state.position.index === index)
    // Replicas hash at most once per interval: a client asks again until they signed the index.
    const signedAt = (index: number, by: Replica[]) =>
      waitFor(async () => {
        const answers = await Promise.all(by.map((replica) => get(replica, `/root?index=${index}`)))
        return answers.every((answer) => answer.status === 200)
      })
    for (let n = 1; n <= 3; n += 1) sendToBob(sequencer, 1_800_000_000_000 + n, '1')
    await waitFor(() => applied(3))
    await signedAt(3, replicas)

    const answer = await get(one!, '/root_certificate?index=3')
    expect(answer.status).toBe(200)
    const certificate = rootCertificateSchema.parse(answer.body)
    expect(certificate.signers).toEqual(['replica-1', 'replica-2', 'replica-3'])
    const checked = verifyRootCertificate({ registry, index: 3, certificate, bls: verifier })
    expect(checked).toMatchObject({ ok: true, root: { index: 3 } })
    // The same as each replica's own attestation names.
    const own = signedRootSchema.parse((await get(one!, '/root?index=3')).body)
    expect(certificate.statement.stateHash).toBe(own.attestation.stateHash)
    // Without an index: this replica's latest state hash.
    expect((await get(one!, '/root_certificate')).body).toEqual(answer.body)

    // Replica 3 gone: 2 of 3 is still a quorum.
    await stopReplica(three!)
    running.pop()
    sendToBob(sequencer, 1_800_000_000_004, '1')
    await waitFor(() => applied(4))
    await signedAt(4, [one!, two!])
    const fewer = await get(one!, '/root_certificate?index=4')
    expect(rootCertificateSchema.parse(fewer.body).signers).toEqual(['replica-1', 'replica-2'])
    expect(
      verifyRootCertificate({ registry, index: 4, certificate: fewer.body, bls: verifier }),
    ).toMatchObject({ ok: true })

    // Replica 2 gone too: no certificate, and why.
    await stopReplica(two!)
    running.pop()
    sendToBob(sequencer, 1_800_000_000_005, '1')
    await waitFor(() => applied(5))
    const refused = await get(one!, '/root_certificate?index=5')
    expect(refused.status).toBe(503)
    const error = errorResponseSchema.parse(refused.body).error
    expect(error.code).toBe('quorum_not_reached')
    expect(error.message).toMatch(/replica-2 unreachable/)
    // A certificate made is kept: index 4's is served without asking the peers again.
    expect((await get(one!, '/root_certificate?index=4')).body).toEqual(fewer.body)
    expect((await get(one!, '/root_certificate?index=x')).status).toBe(400)
  })

  it('gathers at most 8 indexes at once: more answer 503 overloaded, asking nobody', async () => {
    const registry = testRegistry(3, 15_980)
    // Peers that take the connection and never answer (paused): each gathering waits them out.
    const connections: Socket[] = []
    const silent = await Promise.all(
      [15_981, 15_982].map(async (port) => {
        const server = createServer((socket) => void connections.push(socket))
        await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening))
        return server
      }),
    )
    try {
      const one = await startReplica({
        sequencer: new InMemorySequencer(),
        registry,
        parameters: { aggregateTimeoutMs: 30_000 },
      })
      const gathering = [1, 2, 3, 4, 5, 6, 7, 8].map((index) =>
        get(one, `/root_certificate?index=${index}`),
      )
      await waitFor(() => connections.length === 16)
      const refused = await get(one, '/root_certificate?index=9')
      expect(refused.status).toBe(503)
      expect(errorResponseSchema.parse(refused.body).error.code).toBe('overloaded')
      // Asking for an index already being gathered shares that gathering.
      const shared = get(one, '/root_certificate?index=8')
      expect(connections).toHaveLength(16)
      // The peers go away: every gathering ends, below the quorum, and makes room again.
      const closed = silent.map((server) => new Promise((done) => server.close(done)))
      for (const socket of connections) socket.destroy()
      await Promise.all(closed)
      for (const answer of [...(await Promise.all(gathering)), await shared]) {
        expect(errorResponseSchema.parse(answer.body).error.code).toBe('quorum_not_reached')
      }
      const again = await get(one, '/root_certificate?index=9')
      expect(errorResponseSchema.parse(again.body).error.code).toBe('quorum_not_reached')
    } finally {
      for (const server of silent) if (server.listening) server.close()
      for (const socket of connections) socket.destroy()
    }
  })
})
