import { describe, expect, it } from 'vitest'
import { provenAtRoot, type VerifiedPortfolio } from './queries.ts'
import type { ProvenBalance, ProvenOrder } from './verifyPortfolioAtRoot.ts'

const proven = { verified: true, k: 3, n: 3, quorum: 2, index: 9, aggregate: 'valid' } as const
const balance = { ...proven, falseValues: [], replicas: [], available: 5n, locked: 0n }
const order = { ...proven, falseValues: [], replicas: [], value: 'leaf', notOpen: false }

/** A portfolio that proved one balance and one open order at root 9. */
function portfolio(change: Partial<VerifiedPortfolio> = {}): VerifiedPortfolio {
  return {
    address: '0x00000000000000000000000000000000000000aa',
    index: 9,
    root: { ...proven, signers: ['a', 'b', 'c'], agreeing: [], replicas: [] },
    byToken: { USDT: balance as ProvenBalance },
    byOrder: { '0x01': order as ProvenOrder },
    ordersListedBy: 'a',
    ordersTruncated: false,
    verifyMs: 8,
    appliedIndex: 9,
    ...change,
  }
}

describe('provenAtRoot', () => {
  it('holds for a portfolio that proved every value at that very root', () => {
    expect(provenAtRoot(portfolio(), 9)).toBe(true)
    // An order proven not open there is settled too.
    const closed = { ...order, verified: false, notOpen: true } as ProvenOrder
    expect(provenAtRoot(portfolio({ byOrder: { '0x01': closed } }), 9)).toBe(true)
  })

  it('fails for another root, no portfolio, or anything left unproven', () => {
    expect(provenAtRoot(portfolio(), 10)).toBe(false)
    expect(provenAtRoot(portfolio(), undefined)).toBe(false)
    expect(provenAtRoot(undefined, 9)).toBe(false)
    // Signed by a quorum but not by every replica: the others may sign it yet.
    const twoOfThree = { ...portfolio().root!, k: 2, signers: ['a', 'b'] }
    expect(provenAtRoot(portfolio({ root: twoOfThree }), 9)).toBe(false)
    const unverifiedRoot = { ...portfolio().root!, verified: false }
    expect(provenAtRoot(portfolio({ root: unverifiedRoot }), 9)).toBe(false)
    const unproven = { ...balance, verified: false } as ProvenBalance
    expect(provenAtRoot(portfolio({ byToken: { USDT: unproven } }), 9)).toBe(false)
    const openUnproven = { ...order, verified: false } as ProvenOrder
    expect(provenAtRoot(portfolio({ byOrder: { '0x01': openUnproven } }), 9)).toBe(false)
    expect(provenAtRoot(portfolio({ ordersTruncated: true }), 9)).toBe(false)
  })
})
