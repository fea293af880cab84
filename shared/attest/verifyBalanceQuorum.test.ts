import chainsafe from '@chainsafe/bls/herumi'
import { herumi } from './herumi.ts'
import { bytesToHex, hexToBytes, sha256, stringToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  aggregateSignatures,
  blsPublicKeyOf,
  buildBalanceAttestationText,
  createBlsVerifier,
  signBalanceAttestation,
  verifyAggregateBalance,
  verifyBalanceQuorum,
  type BalanceAttestation,
  type ReplicaBalanceAnswer,
  type VerifyBalanceQuorumParameters,
} from './index.ts'

/*
 * The project's one quorum rule, with the real BLS12-381 backend (herumi) behind the injected
 * verifier, as the web app, the replicas and the benchmarks run it.
 */

type Key = Uint8Array
const bls = createBlsVerifier(herumi)
const [key1, key2, key3, outsider] = [1, 2, 3, 4].map((seed) => new Uint8Array(32).fill(seed)) as [
  Key,
  Key,
  Key,
  Key,
]
const registry = {
  app: 'zellular-orderbook',
  network: 'devnet',
  quorum: 2,
  replicas: [key1, key2, key3].map((key, i) => ({
    id: `replica-${i + 1}`,
    blsPublicKey: blsPublicKeyOf(key),
  })),
}
const address = '0x' + 'ab'.repeat(20)

const genesisHash = `0x${'9e'.repeat(32)}`
const chainingHash = '06b05ab6733a618578af5f94892f3950'

function attestation(
  replicaId: string,
  overrides: Partial<BalanceAttestation> = {},
): BalanceAttestation {
  return {
    app: registry.app,
    network: registry.network,
    genesisHash,
    replicaId,
    address,
    token: 'USDT',
    available: '1500000',
    locked: '250000',
    index: 42,
    chainingHash,
    ...overrides,
  }
}

/** A replica's answer as `GET /balance` sends it, signed with `key`. */
function signedAnswer(
  replicaId: string,
  key: Key,
  overrides: Partial<BalanceAttestation> = {},
): ReplicaBalanceAnswer {
  const body = signBalanceAttestation(key, attestation(replicaId, overrides))
  return { replicaId, kind: 'answer', body }
}

function runWith(
  answers: ReplicaBalanceAnswer[],
  extra: Partial<VerifyBalanceQuorumParameters> = {},
) {
  return verifyBalanceQuorum({
    registry,
    address,
    token: 'USDT',
    index: 42,
    answers,
    bls,
    ...extra,
  })
}

const honest = () => [
  signedAnswer('replica-1', key1),
  signedAnswer('replica-2', key2),
  signedAnswer('replica-3', key3),
]

for (const mode of ['aggregate-first', 'each'] as const)
  describe(`verifyBalanceQuorum (${mode})`, () => {
    const run = (answers: ReplicaBalanceAnswer[]) => runWith(answers, { mode })
    it('verifies 3 of 3 honest replicas and reports the agreed balance', () => {
      const result = run(honest())
      expect(result).toMatchObject({ verified: true, k: 3, n: 3, aggregate: 'valid' })
      expect(result.available).toBe(1_500_000n)
      expect(result.locked).toBe(250_000n)
      expect(result.replicas.map((r) => r.status)).toEqual(['signed', 'signed', 'signed'])
    })

    it('stays verified with 2 of 3 when one replica is unreachable', () => {
      const answers = honest()
      answers[2] = { replicaId: 'replica-3', kind: 'unreachable', message: 'connection refused' }
      const result = run(answers)
      expect(result).toMatchObject({ verified: true, k: 2 })
      expect(result.replicas[2]!.status).toBe('unreachable')
    })

    it('is unverified with 1 of 3 and never claims a verified count', () => {
      const answers: ReplicaBalanceAnswer[] = [
        signedAnswer('replica-1', key1),
        { replicaId: 'replica-2', kind: 'unreachable', message: 'timeout' },
        { replicaId: 'replica-3', kind: 'behind', appliedIndex: 40 },
      ]
      const result = run(answers)
      expect(result).toMatchObject({ verified: false, k: 0, aggregate: 'not_checked' })
      expect(result.replicas.map((r) => r.status)).toEqual(['signed', 'unreachable', 'behind'])
    })

    it('uses the registry key, not the key a replica sends', () => {
      const answers = honest()
      // replica-3 signs with a key of its own and says so in `publicKey`.
      answers[2] = signedAnswer('replica-3', outsider)
      const result = run(answers)
      expect(result).toMatchObject({ verified: true, k: 2 })
      expect(result.replicas[2]!.status).toBe('bad_signature')
    })

    it('refuses a quorum made of forged signatures', () => {
      const answers = [
        signedAnswer('replica-1', key1),
        signedAnswer('replica-2', outsider, { available: '999999999' }),
        signedAnswer('replica-3', outsider, { available: '999999999' }),
      ]
      const result = run(answers)
      expect(result.verified).toBe(false)
      expect(result.replicas.map((r) => r.status)).toEqual([
        'signed',
        'bad_signature',
        'bad_signature',
      ])
    })

    it('refuses a digest the replica computed differently', () => {
      const answers = honest()
      const body = (answers[0] as { body: { digest: string } }).body
      body.digest = `0x${'00'.repeat(32)}`
      expect(run(answers).replicas[0]!.status).toBe('bad_signature')
    })

    it('counts the same balance signed on another history as disagreeing', () => {
      const forked = { chainingHash: 'ffffffffffffffffffffffffffffffff' }
      const answers = honest()
      answers[1] = signedAnswer('replica-2', key2, forked)
      const result = run(answers)
      expect(result).toMatchObject({ verified: true, k: 2, chainingHash })
      expect(result.replicas[1]).toMatchObject({
        status: 'disagrees',
        detail: 'signed another history',
      })
      // Two replicas each on a history of their own: no quorum, though the amounts agree.
      const split = run([
        signedAnswer('replica-1', key1),
        signedAnswer('replica-2', key2, forked),
        signedAnswer('replica-3', key3, { genesisHash: `0x${'11'.repeat(32)}` }),
      ])
      expect(split).toMatchObject({ verified: false, k: 0 })
    })

    it('marks a replica that signed another balance as disagreeing', () => {
      const answers = honest()
      answers[1] = signedAnswer('replica-2', key2, { available: '1' })
      const result = run(answers)
      expect(result).toMatchObject({ verified: true, k: 2, available: 1_500_000n })
      expect(result.replicas[1]!.status).toBe('disagrees')
    })

    it('does not count an attestation replayed for another replica, address, token, index', () => {
      const replayed = signedAnswer('replica-1', key1)
      const cases: [ReplicaBalanceAnswer, string][] = [
        [{ ...replayed, replicaId: 'replica-2' }, 'other replica id'],
        [signedAnswer('replica-2', key2, { token: 'ETH' }), 'other token'],
        [signedAnswer('replica-2', key2, { address: '0x' + 'cd'.repeat(20) }), 'other address'],
        [signedAnswer('replica-2', key2, { network: 'mainnet' }), 'other network'],
        [signedAnswer('replica-2', key2, { index: 43 }), 'other index'],
      ]
      for (const [answer, detail] of cases) {
        const result = run([signedAnswer('replica-1', key1), answer])
        expect(result.verified).toBe(false)
        expect(result.replicas[1]).toMatchObject({ status: 'invalid_answer', detail })
      }
      const behind = run([signedAnswer('replica-2', key2, { index: 41 })])
      expect(behind.replicas[1]!.status).toBe('behind')
    })

    it('counts a replica listed twice in the registry once', () => {
      const doubled = { ...registry, replicas: [registry.replicas[0]!, ...registry.replicas] }
      const answers: ReplicaBalanceAnswer[] = [
        signedAnswer('replica-1', key1),
        { replicaId: 'replica-2', kind: 'unreachable', message: 'timeout' },
        { replicaId: 'replica-3', kind: 'unreachable', message: 'timeout' },
      ]
      const result = runWith(answers, { mode, registry: doubled })
      expect(result).toMatchObject({ verified: false, k: 0, n: 3 })
      expect(result.replicas.map((r) => r.replicaId)).toEqual([
        'replica-1',
        'replica-2',
        'replica-3',
      ])
    })

    it('counts a replica that answers twice once, with its first answer', () => {
      const twice = [signedAnswer('replica-1', key1), signedAnswer('replica-1', key1)]
      expect(run(twice)).toMatchObject({ verified: false, k: 0, n: 3 })
      // A second, different answer cannot replace the first either.
      const changed = [
        signedAnswer('replica-1', key1),
        signedAnswer('replica-2', key2, { available: '1' }),
        signedAnswer('replica-2', key2),
      ]
      const result = run(changed)
      expect(result).toMatchObject({ verified: false, k: 0 })
      expect(result.replicas[1]!.status).toBe('disagrees')
    })

    it('ignores signers outside the registry, whatever key they sign with', () => {
      const strangers = [
        signedAnswer('replica-1', key1),
        signedAnswer('replica-9', outsider, { replicaId: 'replica-9' }),
        signedAnswer('replica-10', key2, { replicaId: 'replica-10' }),
      ]
      const result = run(strangers)
      expect(result).toMatchObject({ verified: false, k: 0, n: 3 })
      expect(result.replicas.map((proof) => proof.replicaId)).toEqual([
        'replica-1',
        'replica-2',
        'replica-3',
      ])
      expect(result.signers).toEqual([])
    })

    it('refuses a signature made under another domain tag or for another app', () => {
      const attested = attestation('replica-2')
      const oldText = buildBalanceAttestationText(attested).replace('/v2\n', '/v1\n')
      const oldDigest = hexToBytes(sha256(stringToBytes(oldText)))
      const signed = signBalanceAttestation(key2, attested)
      const otherDomain = chainsafe.SecretKey.fromBytes(key2).sign(oldDigest).toBytes()
      const answers = honest()
      answers[1] = {
        replicaId: 'replica-2',
        kind: 'answer',
        body: { ...signed, signature: bytesToHex(otherDomain) },
      }
      const result = run(answers)
      expect(result).toMatchObject({ verified: true, k: 2 })
      expect(result.replicas[1]!.status).toBe('bad_signature')
      const otherApp = run([
        signedAnswer('replica-1', key1),
        signedAnswer('replica-2', key2, { app: 'other-app' }),
      ])
      expect(otherApp.verified).toBe(false)
      expect(otherApp.replicas[1]).toMatchObject({ status: 'invalid_answer', detail: 'other app' })
    })

    it('hands out the signers whose aggregate the /aggregate_balance check accepts', () => {
      const answers = honest()
      answers[0] = { replicaId: 'replica-1', kind: 'behind' }
      const result = run(answers)
      expect(result.signers.map((signer) => signer.replicaId)).toEqual(['replica-2', 'replica-3'])
      const aggregate = {
        attestation: result.statement!,
        signers: result.signers.map((signer) => signer.replicaId),
        aggregateSignature: aggregateSignatures(result.signers.map((s) => s.signature)),
      }
      expect(verifyAggregateBalance(aggregate, registry)).toEqual({
        ok: true,
        signers: ['replica-2', 'replica-3'],
      })
      expect(verifyAggregateBalance(aggregate, { ...registry, quorum: 3 })).toEqual({
        ok: false,
        reason: 'below_quorum',
      })
    })

    it('survives hostile bodies without throwing', () => {
      const bodies: unknown[] = [
        null,
        'x',
        42,
        {},
        { attestation: {}, signature: 'zz' },
        { attestation: attestation('replica-1', { available: '-1' }), signature: '0x00' },
      ]
      for (const body of bodies) {
        const result = run([{ replicaId: 'replica-1', kind: 'answer', body }])
        expect(result.verified).toBe(false)
        expect(result.replicas[0]!.status).toMatch(/invalid_answer|bad_signature/)
      }
    })
  })
