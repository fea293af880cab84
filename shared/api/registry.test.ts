import { describe, expect, it } from 'vitest'
import { blsIdentityOf, defaultQuorum } from '../attest/index.ts'
import { replicaRegistrySchema } from './registry.ts'

/** A registry of `count` distinct replicas with the given quorum. */
function registry(count: number, quorum: number) {
  return {
    app: 'zellular-orderbook',
    network: 'devnet',
    quorum,
    replicas: Array.from({ length: count }, (_, i) => ({
      id: `replica-${i + 1}`,
      url: `http://127.0.0.1:${5001 + i}`,
      ...blsIdentityOf(new Uint8Array(32).fill(i + 1)),
    })),
    tokens: [],
    markets: [],
  }
}

/** The issue paths zod reports, or 'ok'. */
function problems(value: unknown): string[] | 'ok' {
  const parsed = replicaRegistrySchema.safeParse(value)
  return parsed.success ? 'ok' : parsed.error.issues.map((issue) => issue.path.join('.'))
}

describe('replicaRegistrySchema', () => {
  it('accepts the default ⌈2n/3⌉ quorum and any quorum above half of the replicas', () => {
    for (let count = 1; count <= 7; count += 1) {
      expect([count, problems(registry(count, defaultQuorum(count)))]).toEqual([count, 'ok'])
      expect(problems(registry(count, count))).toBe('ok')
    }
    expect(problems(registry(4, 3))).toBe('ok')
  })

  it('refuses a quorum two disjoint groups could each reach, or none can', () => {
    expect(problems(registry(3, 1))).toEqual(['quorum'])
    expect(problems(registry(4, 2))).toEqual(['quorum'])
    expect(problems(registry(3, 4))).toEqual(['quorum'])
    expect(problems(registry(3, 0))).toEqual(['quorum'])
    expect(problems(registry(3, 2.5))).toEqual(['quorum'])
  })

  it('refuses a replica id, URL or key listed twice', () => {
    const base = registry(3, 2)
    const [first, second, third] = base.replicas as [
      (typeof base.replicas)[0],
      (typeof base.replicas)[0],
      (typeof base.replicas)[0],
    ]
    const withReplicas = (replicas: (typeof base.replicas)[0][]) => ({ ...base, replicas })
    expect(problems(withReplicas([first, second, { ...third, id: first.id }]))).toEqual([
      'replicas.2.id',
    ])
    expect(problems(withReplicas([first, second, { ...third, url: second.url }]))).toEqual([
      'replicas.2.url',
    ])
    expect(
      problems(withReplicas([first, second, { ...third, blsPublicKey: first.blsPublicKey }])),
    ).toEqual(['replicas.2.blsPublicKey'])
    // A duplicate must not make a small quorum look large: 3 entries, 2 distinct replicas.
    expect(problems(withReplicas([first, second, first]))).not.toBe('ok')
  })

  it('needs each key with a proof of possession, a 96-byte signature (clients verify it)', () => {
    const base = registry(1, 1)
    const [only] = base.replicas
    const { blsProofOfPossession: _, ...withoutProof } = only!
    expect(problems({ ...base, replicas: [withoutProof] })).toEqual([
      'replicas.0.blsProofOfPossession',
    ])
    const short = { ...only!, blsProofOfPossession: only!.blsProofOfPossession.slice(0, -2) }
    expect(problems({ ...base, replicas: [short] })).toEqual(['replicas.0.blsProofOfPossession'])
  })
})
