import bls from '@chainsafe/bls/herumi'
import { herumi } from './herumi.ts'
import { hexToBytes } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  aggregateSignatures,
  balanceAttestationDigest,
  blsPublicKeyOf,
  buildBalanceAttestationText,
  defaultQuorum,
  selectCommonIndex,
  createBlsVerifier,
  signBalanceAttestation,
  verifyAggregateBalance,
  verifyBalanceAttestation,
  verifyBalanceQuorum,
  type BalanceStatement,
  type ReplicaBalanceAnswer,
} from './index.ts'

const secretKeys = [1, 2, 3, 4].map((n) => new Uint8Array(32).fill(n))
const ids = ['replica-1', 'replica-2', 'replica-3', 'replica-4']
const committee = {
  app: 'zellular-orderbook',
  network: 'devnet',
  replicas: ids.slice(0, 3).map((id, i) => ({ id, blsPublicKey: blsPublicKeyOf(secretKeys[i]!) })),
  quorum: 2,
}
const statement: BalanceStatement = {
  app: 'zellular-orderbook',
  network: 'devnet',
  genesisHash: `0x${'9e'.repeat(32)}`,
  address: `0x${'ab'.repeat(20)}`,
  token: 'USDT',
  available: '1500000',
  locked: '20',
  index: 42,
  chainingHash: '06b05ab6733a618578af5f94892f3950',
}

function answer(position: number, override: Partial<BalanceStatement> = {}): ReplicaBalanceAnswer {
  const attestation = { ...statement, ...override, replicaId: ids[position]! }
  const body = signBalanceAttestation(secretKeys[position]!, attestation)
  return { replicaId: ids[position]!, kind: 'answer', body }
}

/** What `GET /aggregate_balance` answers for these replica answers, or undefined below quorum. */
function aggregate(answers: ReplicaBalanceAnswer[]) {
  const result = verifyBalanceQuorum({
    registry: committee,
    address: statement.address,
    token: statement.token,
    index: statement.index,
    answers,
    bls: createBlsVerifier(herumi),
  })
  if (!result.verified) return { ok: false as const, replicas: result.replicas }
  const signers = result.signers.map((signer) => signer.replicaId)
  const signatures = result.signers.map((signer) => signer.signature)
  const aggregateSignature = aggregateSignatures(signatures)
  return {
    ok: true as const,
    value: { attestation: result.statement!, signers, aggregateSignature },
  }
}

describe('balance attestations', () => {
  it('have a fixed canonical text and a 32-byte digest', () => {
    const attestation = { ...statement, replicaId: 'replica-1' }
    expect(buildBalanceAttestationText(attestation)).toBe(
      [
        'zellular-orderbook/balance-attestation/v2',
        'zellular-orderbook',
        'devnet',
        `0x${'9e'.repeat(32)}`,
        'replica-1',
        statement.address,
        'USDT',
        '1500000',
        '20',
        '42',
        '06b05ab6733a618578af5f94892f3950',
      ].join('\n'),
    )
    // Test vector: a change of the canonical text or of its hashing changes this digest.
    expect(balanceAttestationDigest(attestation)).toMatchInlineSnapshot(
      `"0x0d80fc5e357df64e24ce91baa16ff0cc411085f9ea3bb3c2ac8fabeff7ed57a3"`,
    )
    const genesis = { ...attestation, index: 0, chainingHash: '' }
    expect(buildBalanceAttestationText(genesis).endsWith('\n0\n')).toBe(true)
    expect(() => buildBalanceAttestationText({ ...attestation, token: 'US\nDT' })).toThrow()
    expect(() => buildBalanceAttestationText({ ...attestation, chainingHash: 'h42' })).toThrow()
    expect(() => buildBalanceAttestationText({ ...attestation, genesisHash: '0x12' })).toThrow()
  })

  it('bind the balance to its history: another chaining or genesis hash is another claim', () => {
    const attestation = { ...statement, replicaId: 'replica-1' }
    const signed = signBalanceAttestation(secretKeys[0]!, attestation)
    const key = signed.publicKey
    const forked = { ...attestation, chainingHash: 'ffffffffffffffffffffffffffffffff' }
    expect(verifyBalanceAttestation(forked, signed.signature, key)).toBe(false)
    const regenesis = { ...attestation, genesisHash: `0x${'11'.repeat(32)}` }
    expect(verifyBalanceAttestation(regenesis, signed.signature, key)).toBe(false)
    // The same amounts at the same index, signed on another history, do not agree.
    const result = aggregate([answer(0), answer(1, { chainingHash: forked.chainingHash })])
    expect(result).toMatchObject({
      ok: false,
      replicas: [
        { replicaId: 'replica-1', status: 'signed' },
        { replicaId: 'replica-2', status: 'disagrees' },
        { replicaId: 'replica-3', status: 'unreachable' },
      ],
    })
  })

  it('verify with @chainsafe/bls directly, and only with the right key and values', () => {
    const attestation = { ...statement, replicaId: 'replica-1' }
    const signed = signBalanceAttestation(secretKeys[0]!, attestation)
    expect(hexToBytes(signed.signature)).toHaveLength(96)
    expect(hexToBytes(signed.publicKey)).toHaveLength(48)
    expect(
      bls.verify(
        hexToBytes(signed.publicKey),
        hexToBytes(signed.digest),
        hexToBytes(signed.signature),
      ),
    ).toBe(true)
    expect(verifyBalanceAttestation(attestation, signed.signature, signed.publicKey)).toBe(true)
    const other = committee.replicas[1]!.blsPublicKey
    expect(verifyBalanceAttestation(attestation, signed.signature, other)).toBe(false)
    expect(
      verifyBalanceAttestation(
        { ...attestation, available: '1500001' },
        signed.signature,
        signed.publicKey,
      ),
    ).toBe(false)
    expect(verifyBalanceAttestation(attestation, '0x1234', signed.publicKey)).toBe(false)
  })

  it('use a ⌈2n/3⌉ quorum', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(defaultQuorum)).toEqual([1, 2, 2, 3, 4, 4, 5])
  })

  it('are asked at the highest index a quorum has applied, whatever one replica reports', () => {
    expect(selectCommonIndex([12, 11, 0], 2)).toBe(11)
    expect(selectCommonIndex([12, 11, 1_000_000], 2)).toBe(12)
    expect(selectCommonIndex([12, 11, 10], 3)).toBe(10)
    expect(selectCommonIndex([12], 2)).toBe(12)
    expect(selectCommonIndex([], 2)).toBeUndefined()
  })
})

describe('aggregates', () => {
  it('aggregate a quorum and verify against the registry keys of the signers', () => {
    const result = aggregate([
      answer(0),
      answer(1),
      { replicaId: 'replica-3', kind: 'unreachable', message: 'timeout' },
    ])
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.signers).toEqual(['replica-1', 'replica-2'])
    expect(verifyAggregateBalance(result.value, committee)).toEqual({
      ok: true,
      signers: ['replica-1', 'replica-2'],
    })
    // Claiming a different signer set or other values breaks the signature.
    expect(
      verifyAggregateBalance({ ...result.value, signers: ['replica-1', 'replica-3'] }, committee),
    ).toEqual({ ok: false, reason: 'bad_signature' })
    const changed = { ...result.value, attestation: { ...statement, available: '9' } }
    expect(verifyAggregateBalance(changed, committee)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    expect(
      verifyAggregateBalance({ ...result.value, signers: ['replica-1', 'replica-1'] }, committee),
    ).toEqual({ ok: false, reason: 'duplicate_signer' })
    expect(
      verifyAggregateBalance({ ...result.value, signers: ['replica-1', 'replica-9'] }, committee),
    ).toEqual({ ok: false, reason: 'unknown_signer' })
    expect(verifyAggregateBalance(result.value, { ...committee, quorum: 3 })).toEqual({
      ok: false,
      reason: 'below_quorum',
    })
  })
})
