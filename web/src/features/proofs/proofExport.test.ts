import { describe, expect, it } from 'vitest'
import type { ProvenAtRoot } from '../../lib/verifyPortfolioAtRoot.ts'
import { proofExport } from './proofExport.ts'

describe('copy proof', () => {
  const statement = {
    app: 'zellular-orderbook',
    network: 'devnet',
    registryHash: `0x${'11'.repeat(32)}`,
    index: 41,
    chainingHash: `0x${'22'.repeat(32)}`,
    time: 1_765_000_000_000,
    stateHash: `0x${'33'.repeat(32)}`,
  }
  const signed = (replicaId: string) => ({
    attestation: { ...statement, replicaId },
    digest: `0x${'44'.repeat(32)}`,
    signature: `0x${'55'.repeat(96)}`,
    publicKey: `0x${'66'.repeat(48)}`,
  })
  const proven: ProvenAtRoot = {
    verified: true,
    k: 2,
    n: 3,
    quorum: 2,
    index: 41,
    aggregate: 'valid',
    servedBy: 'replica-2',
    proof: '0xabcdef',
    falseValues: [],
    replicas: [
      { replicaId: 'replica-1', status: 'signed', proof: 'verified' },
      { replicaId: 'replica-2', status: 'signed' },
      { replicaId: 'replica-3', status: 'unreachable' },
    ],
  }
  const root = {
    verified: true,
    k: 2,
    n: 3,
    quorum: 2,
    index: 41,
    root: statement,
    signers: ['replica-1', 'replica-2'],
    agreeing: [signed('replica-1'), signed('replica-2')],
    aggregate: 'valid' as const,
    replicas: [],
  }

  it('holds what another verifier needs: the signed attestations, the proof, who served it', () => {
    const copied = JSON.parse(
      proofExport({ what: 'balance', label: 'USDT', proven, root, checkedAtMs: 0 }),
    ) as Record<string, unknown>
    expect(copied).toMatchObject({
      what: 'balance',
      label: 'USDT',
      verified: true,
      quorum: '2 of 3 signed; 2 needed',
      index: 41,
      checkedAt: '1970-01-01T00:00:00.000Z',
      root: statement,
      signers: ['replica-1', 'replica-2'],
      proof: '0xabcdef',
      proofFrom: 'replica-2',
    })
    expect(copied.attestations).toEqual([signed('replica-1'), signed('replica-2')])
    expect(copied.replicas).toEqual([
      { replicaId: 'replica-1', root: 'signed', proof: 'verified' },
      { replicaId: 'replica-2', root: 'signed' },
      { replicaId: 'replica-3', root: 'unreachable' },
    ])
  })

  it('says so when there is no root a quorum signed', () => {
    const unproven = { ...proven, verified: false, k: 0 }
    const { proof, ...noProof } = unproven
    expect(proof).toBe('0xabcdef')
    const copied = JSON.parse(
      proofExport({ what: 'order', label: 'Order 0x12', proven: noProof, root: undefined }),
    ) as Record<string, unknown>
    expect(copied).toMatchObject({ verified: false, root: null, proof: null, attestations: [] })
    expect(copied).not.toHaveProperty('checkedAt')
  })
})
