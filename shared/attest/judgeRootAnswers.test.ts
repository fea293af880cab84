import { describe, expect, it } from 'vitest'
import { countingVerifier, fixtureIndex, fixtureRegistry, signedRoot } from './testing.ts'
import { judgeRootAnswers, type ReplicaRootAnswer } from './judgeRootAnswers.ts'

const answer = (position: number, body: unknown = signedRoot(position)): ReplicaRootAnswer => ({
  replicaId: fixtureRegistry.replicas[position]!.id,
  kind: 'answer',
  body,
})
const down = (position: number): ReplicaRootAnswer => ({
  replicaId: fixtureRegistry.replicas[position]!.id,
  kind: 'unreachable',
  message: 'Cannot reach 127.0.0.1',
})
const statuses = (judged: ReturnType<typeof judgeRootAnswers>) =>
  judged.replicas.map((line) => line.status)

function judge(answers: ReplicaRootAnswer[], bls = countingVerifier()) {
  return judgeRootAnswers({ registry: fixtureRegistry, index: fixtureIndex, answers, bls })
}

describe('judgeRootAnswers', () => {
  it('proves a root signed by every replica with one aggregate verification', () => {
    const bls = countingVerifier()
    const judged = judge([answer(0), answer(1), answer(2)], bls)
    expect(judged).toMatchObject({ verified: true, k: 3, n: 3, quorum: 2, aggregate: 'valid' })
    expect(judged.signers).toEqual(['replica-1', 'replica-2', 'replica-3'])
    expect(judged.root?.stateHash).toBe(signedRoot(0).attestation.stateHash)
    expect(statuses(judged)).toEqual(['signed', 'signed', 'signed'])
    expect({ single: bls.single, aggregate: bls.aggregate }).toEqual({ single: 0, aggregate: 1 })
  })

  it('counts 2 of 3 with one replica down, and nothing with two down', () => {
    const two = judge([down(0), answer(1), answer(2)])
    expect(two).toMatchObject({ verified: true, k: 2, signers: ['replica-2', 'replica-3'] })
    // The quorum's signed attestations, in registry order: what a certificate adds up.
    expect(two.agreeing).toEqual([signedRoot(1), signedRoot(2)])
    expect(statuses(two)).toEqual(['unreachable', 'signed', 'signed'])
    const one = judge([down(0), down(1), answer(2)])
    expect(one).toMatchObject({ verified: false, k: 0, signers: [], aggregate: 'not_checked' })
    expect(one.agreeing).toEqual([])
    expect(one.root).toBeUndefined()
    // Its signature is valid on its own, but one replica is below the quorum.
    expect(one.replicas[2]).toEqual({
      replicaId: 'replica-3',
      status: 'signed',
      detail: 'below the quorum',
    })
  })

  it('names a replica that signed another root of the index, and verifies the others', () => {
    const other = signedRoot(0, { stateHash: `0x${'77'.repeat(32)}` })
    const judged = judge([answer(0, other), answer(1), answer(2)])
    expect(judged).toMatchObject({ verified: true, k: 2 })
    expect(judged.replicas[0]).toMatchObject({ replicaId: 'replica-1', status: 'disagrees' })
    expect(judged.replicas[0]!.detail).toContain('0x77777777')
  })

  it('finds a forged signature inside a failed aggregate and proves the root from the rest', () => {
    // Replica 1's statement with replica 2's signature: well formed, agreeing, and forged.
    const forged = { ...signedRoot(0), signature: signedRoot(1).signature }
    const bls = countingVerifier()
    const judged = judge([answer(0, forged), answer(1), answer(2)], bls)
    expect(judged).toMatchObject({ verified: true, k: 2, aggregate: 'valid' })
    expect(statuses(judged)).toEqual(['bad_signature', 'signed', 'signed'])
    expect(bls.aggregate).toBe(2)
  })

  it('leaves out a replica whose registry key has no valid proof of possession', () => {
    // The caller's registry lists replica 1 with replica 2's proof: replica 1's signature is
    // valid, but a same-message aggregate that counts an unproven key proves nothing.
    const [first, second, third] = fixtureRegistry.replicas
    const unproven = { ...first!, blsProofOfPossession: second!.blsProofOfPossession }
    const registry = { ...fixtureRegistry, replicas: [unproven, second!, third!] }
    const answers = [answer(0), answer(1), answer(2)]
    const judged = judgeRootAnswers({
      registry,
      index: fixtureIndex,
      answers,
      bls: countingVerifier(),
    })
    expect(judged).toMatchObject({ verified: true, k: 2, signers: ['replica-2', 'replica-3'] })
    expect(judged.replicas[0]).toEqual({
      replicaId: 'replica-1',
      status: 'bad_signature',
      detail: 'its registry key has no valid proof of possession',
    })
  })

  it('refuses answers about another index, domain, registry or replica', () => {
    const judged = judge([
      answer(0, signedRoot(0, { index: fixtureIndex - 1 })),
      answer(1, signedRoot(1, { network: 'mainnet' })),
      answer(2, signedRoot(2, { registryHash: `0x${'00'.repeat(32)}` })),
    ])
    expect(judged.verified).toBe(false)
    expect(judged.replicas).toEqual([
      { replicaId: 'replica-1', status: 'behind', detail: `signed index 41, not ${fixtureIndex}` },
      { replicaId: 'replica-2', status: 'invalid_answer', detail: 'other network' },
      {
        replicaId: 'replica-3',
        status: 'invalid_answer',
        detail: 'signed under another replica registry',
      },
    ])
    // Replica 2's own attestation served as replica 1's, and junk.
    const borrowed = judge([answer(0, signedRoot(1)), answer(1, { attestation: 1 }), answer(2)])
    expect(borrowed.replicas.map((line) => line.detail)).toEqual([
      'other replica id',
      'malformed root attestation',
      'below the quorum',
    ])
  })

  it('refuses every answer, without a BLS check, under a registry that cannot be hashed', () => {
    const registry = { ...fixtureRegistry, app: 'two\nlines' }
    const bls = countingVerifier()
    const answers = [answer(0), answer(1), answer(2)]
    const judged = judgeRootAnswers({ registry, index: fixtureIndex, answers, bls })
    expect(judged).toMatchObject({ verified: false, k: 0 })
    expect(judged.replicas.map((line) => line.detail)).toEqual(
      Array(3).fill('the registry cannot be hashed'),
    )
    expect({ single: bls.single, aggregate: bls.aggregate }).toEqual({ single: 0, aggregate: 0 })
  })

  it('counts each registry replica once and ignores replicas outside the registry', () => {
    const judged = judge([
      answer(1),
      answer(1),
      { replicaId: 'replica-9', kind: 'answer', body: signedRoot(2) },
      { replicaId: 'replica-1', kind: 'behind', message: 'root_not_kept' },
    ])
    expect(judged).toMatchObject({ verified: false, k: 0 })
    expect(statuses(judged)).toEqual(['behind', 'signed', 'unreachable'])
  })
})
