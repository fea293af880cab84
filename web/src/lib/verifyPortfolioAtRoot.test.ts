import { describe, expect, it } from 'vitest'
import type { ReplicaRootAnswer } from '../../../shared/attest/index.ts'
import {
  countingVerifier,
  fixtureIndex,
  fixtureRegistry,
  replicaIds,
  rootAnswers,
} from '../../../shared/attest/testing.ts'
import {
  splitBalanceProofs,
  splitOrderProofs,
  type ProofAnswer,
} from '../../../shared/exchange/index.ts'
import {
  balanceProofBody,
  holder,
  holderEth,
  holderUsdt,
  orderOwner,
  orderProofBody,
  provenBalancesBody,
  provenOrdersPage,
  provenState,
} from '../../../shared/exchange/testing.ts'
import {
  replicasToAskNext,
  verifyPortfolioAtRoot,
  worthCheckingAgain,
} from './verifyPortfolioAtRoot.ts'

const { openOrderId, root: provenRoot } = provenState()

const rootsOf = (positions: number[]): ReplicaRootAnswer[] =>
  rootAnswers(provenRoot.stateHash, positions)
const proof = (position: number, token: string, patch: object = {}): ProofAnswer => ({
  replicaId: replicaIds[position]!,
  kind: 'answer',
  body: balanceProofBody(position, holder, token, patch),
})
const lie = (position: number) => proof(position, 'USDT', { available: '999999999999' })

function verify(
  roots: ReplicaRootAnswer[],
  proofs: Record<string, ProofAnswer[]>,
  bls = countingVerifier(),
) {
  return verifyPortfolioAtRoot({
    registry: fixtureRegistry,
    index: fixtureIndex,
    answers: roots,
    bls,
    address: holder,
    tokens: ['USDT', 'ETH'],
    proofs,
    orderIds: [],
    orderProofs: {},
  })
}

describe('verifyPortfolioAtRoot: balances', () => {
  it('proves every balance from one replica against one aggregate of the root', () => {
    const bls = countingVerifier()
    const result = verify(
      rootsOf([0, 1, 2]),
      { USDT: [proof(0, 'USDT')], ETH: [proof(0, 'ETH')] },
      bls,
    )
    expect(result.byToken['USDT']).toMatchObject({
      verified: true,
      k: 3,
      n: 3,
      index: fixtureIndex,
      available: holderUsdt,
      locked: 0n,
      servedBy: 'replica-1',
      falseValues: [],
    })
    expect(result.byToken['ETH']).toMatchObject({ verified: true, k: 3, available: holderEth })
    expect(result.byToken['USDT']!.replicas.map((line) => [line.status, line.proof])).toEqual([
      ['signed', 'verified'],
      ['signed', undefined],
      ['signed', undefined],
    ])
    expect({ single: bls.single, aggregate: bls.aggregate }).toEqual({ single: 0, aggregate: 1 })
  })

  it('names a replica whose value its proof does not tie to the quorum root, and takes the next', () => {
    const first = verify(rootsOf([0, 1, 2]), { USDT: [lie(0)], ETH: [proof(0, 'ETH')] })
    const usdt = first.byToken['USDT']!
    expect(usdt).toMatchObject({ verified: false, k: 0, falseValues: ['replica-1'] })
    // The lie is never shown, not even as unverified.
    expect(usdt.available).toBeUndefined()
    expect(usdt.replicas[0]).toMatchObject({ status: 'signed', proof: 'false_value' })
    expect(usdt.replicas[0]!.proofDetail).toContain('does not tie to the quorum root')
    expect(
      replicasToAskNext(first.root, first.byToken['USDT'], ['replica-1'], [...replicaIds]),
    ).toEqual(['replica-2', 'replica-3'])
    expect(
      replicasToAskNext(first.root, first.byToken['ETH'], ['replica-1'], [...replicaIds]),
    ).toEqual([])

    const second = verify(rootsOf([0, 1, 2]), { USDT: [lie(0), proof(1, 'USDT')], ETH: [] })
    expect(second.byToken['USDT']).toMatchObject({
      verified: true,
      // k counts the root aggregate: the liar signed the true root with the others.
      k: 3,
      available: holderUsdt,
      servedBy: 'replica-2',
      falseValues: ['replica-1'],
    })
    expect(second.byToken['USDT']!.replicas.map((line) => line.proof)).toEqual([
      'false_value',
      'verified',
      undefined,
    ])
  })

  it('shows a claimed balance as unverified below the quorum, and asks nobody else', () => {
    const result = verify(rootsOf([2]), { USDT: [proof(2, 'USDT')], ETH: [] })
    expect(result.root.verified).toBe(false)
    expect(result.byToken['USDT']).toMatchObject({
      verified: false,
      k: 0,
      available: holderUsdt,
      aggregate: 'not_checked',
    })
    expect(result.byToken['ETH']!.available).toBeUndefined()
    expect(
      replicasToAskNext(result.root, result.byToken['USDT'], ['replica-3'], ['replica-3']),
    ).toEqual([])
  })

  it('does not take a proof of a newer index, and asks the signers not yet asked', () => {
    const moved = proof(0, 'USDT', { index: fixtureIndex + 1 })
    const result = verify(rootsOf([0, 1]), { USDT: [moved], ETH: [] })
    expect(result.byToken['USDT']).toMatchObject({ verified: false, falseValues: [] })
    expect(result.byToken['USDT']!.replicas[0]!.proof).toBe('other_index')
    // Replica 3 is reachable but not in the aggregate: asked last.
    expect(
      replicasToAskNext(
        result.root,
        result.byToken['USDT'],
        ['replica-1'],
        ['replica-3', 'replica-1'],
      ),
    ).toEqual(['replica-2', 'replica-3'])
  })

  it('is checked again from fresh statuses only when it failed for a passing reason', () => {
    const moved = proof(0, 'USDT', { index: fixtureIndex + 1 })
    const down = (position: number): ReplicaRootAnswer => ({
      replicaId: replicaIds[position]!,
      kind: 'unreachable',
      message: 'Cannot reach',
    })
    const behind = (position: number): ReplicaRootAnswer => ({
      replicaId: replicaIds[position]!,
      kind: 'behind',
      message: `no root of index ${fixtureIndex}`,
    })
    const again = (roots: ReplicaRootAnswer[], usdt: ProofAnswer[]) =>
      worthCheckingAgain(verify(roots, { USDT: usdt, ETH: [proof(0, 'ETH')] }))
    expect(again(rootsOf([0, 1, 2]), [proof(0, 'USDT')])).toBe(false)
    // Every replica asked had moved on: again. One lied: no (the next replica is asked instead).
    expect(again(rootsOf([0, 1, 2]), [moved])).toBe(true)
    expect(again(rootsOf([0, 1, 2]), [moved, lie(1)])).toBe(false)
    // Two replicas answered, one had not signed the index yet: again. Two down: no.
    expect(again([...rootsOf([0]), behind(1), down(2)], [proof(0, 'USDT')])).toBe(true)
    expect(again([...rootsOf([0]), down(1), down(2)], [proof(0, 'USDT')])).toBe(false)
    expect(worthCheckingAgain({ root: undefined, byToken: {}, byOrder: {} })).toBe(false)
  })
})

describe('verifyPortfolioAtRoot: open orders', () => {
  const owner = orderOwner.address
  const orderProof = (position: number, patch: object = {}): ProofAnswer => ({
    replicaId: replicaIds[position]!,
    kind: 'answer',
    body: orderProofBody(position, openOrderId, patch),
  })
  /** The open order's leaf with its remaining lots (field 6) raised tenfold. */
  const inflated = () => {
    const fields = orderProofBody(0, openOrderId).value!.split(' ')
    fields[5] = String(Number(fields[5]) * 10)
    return fields.join(' ')
  }
  /** The honest proof with its last byte changed. */
  const tamperedProof = () => {
    const { proof: bytes } = orderProofBody(0, openOrderId)
    return `${bytes.slice(0, -2)}${bytes.endsWith('00') ? '01' : '00'}`
  }
  const verifyOrders = (
    orderProofs: ProofAnswer[],
    options: { address?: string; bls?: ReturnType<typeof countingVerifier> } = {},
  ) =>
    verifyPortfolioAtRoot({
      registry: fixtureRegistry,
      index: fixtureIndex,
      answers: rootsOf([0, 1, 2]),
      bls: options.bls ?? countingVerifier(),
      address: options.address ?? owner,
      tokens: ['USDT'],
      proofs: {
        USDT: [
          { replicaId: 'replica-1', kind: 'answer', body: balanceProofBody(0, owner, 'USDT') },
        ],
      },
      orderIds: [openOrderId],
      orderProofs: { [openOrderId]: orderProofs },
    })

  it('proves an open order against the same one aggregate as the balances', () => {
    const bls = countingVerifier()
    const result = verifyOrders([orderProof(0)], { bls })
    const order = result.byOrder[openOrderId]!
    expect(order).toMatchObject({
      verified: true,
      k: 3,
      n: 3,
      index: fixtureIndex,
      servedBy: 'replica-1',
      notOpen: false,
      falseValues: [],
    })
    expect(order.value).toMatch(new RegExp(`^ETH/USDT buy \\d+ ${owner} limit `))
    // The proof that tied it, for the badge's details.
    expect(order.proof).toBe(orderProofBody(0, openOrderId).proof)
    expect(order.replicas.map((line) => line.proof)).toEqual(['verified', undefined, undefined])
    // The balance rides on the same root: one aggregate verification in all.
    expect(result.byToken['USDT']!.replicas[0]!.proof).toBe('verified')
    expect({ single: bls.single, aggregate: bls.aggregate }).toEqual({ single: 0, aggregate: 1 })
  })

  it('refuses a tampered order (value or proof bytes), names the replica and asks the next', () => {
    for (const patch of [{ value: inflated() }, { proof: tamperedProof() }]) {
      const first = verifyOrders([orderProof(0, patch)])
      const order = first.byOrder[openOrderId]!
      expect(order).toMatchObject({ verified: false, k: 0, falseValues: ['replica-1'] })
      // The lie is never shown, nor its proof.
      expect(order.value).toBeUndefined()
      expect(order.proof).toBeUndefined()
      expect(order.replicas[0]).toMatchObject({ status: 'signed', proof: 'false_value' })
      expect(replicasToAskNext(first.root, order, ['replica-1'], [...replicaIds])).toEqual([
        'replica-2',
        'replica-3',
      ])
      const second = verifyOrders([orderProof(0, patch), orderProof(1)])
      expect(second.byOrder[openOrderId]).toMatchObject({
        verified: true,
        k: 3,
        servedBy: 'replica-2',
        falseValues: ['replica-1'],
      })
    }
  })

  it('settles an order the root shows is not open for this address, and asks nobody else', () => {
    const result = verifyOrders([orderProof(0)], { address: holder })
    const order = result.byOrder[openOrderId]!
    expect(order).toMatchObject({ verified: false, notOpen: true, falseValues: [] })
    expect(order.replicas[0]!.proof).toBe('not_open')
    expect(replicasToAskNext(result.root, order, ['replica-1'], [...replicaIds])).toEqual([])
  })

  it('is checked again when every order proof was of a newer index', () => {
    const moved = orderProof(0, { index: fixtureIndex + 1 })
    const result = verifyOrders([moved])
    expect(result.byOrder[openOrderId]!.replicas[0]!.proof).toBe('other_index')
    expect(worthCheckingAgain(result)).toBe(true)
    expect(worthCheckingAgain(verifyOrders([moved, orderProof(1, { value: inflated() })]))).toBe(
      false,
    )
  })

  it('proves no order without a quorum root', () => {
    const result = verifyPortfolioAtRoot({
      registry: fixtureRegistry,
      index: fixtureIndex,
      answers: rootsOf([2]),
      bls: countingVerifier(),
      address: owner,
      tokens: [],
      proofs: {},
      orderIds: [openOrderId],
      orderProofs: { [openOrderId]: [orderProof(2)] },
    })
    expect(result.byOrder[openOrderId]).toMatchObject({ verified: false, k: 0, notOpen: false })
    expect(result.byOrder[openOrderId]!.value).toBeUndefined()
  })
})

describe('verifyPortfolioAtRoot: from proven answers', () => {
  const tokens = ['USDT', 'ETH', 'BTC']
  /** Checked against the root all three replicas signed at the fixture's index. */
  const atQuorumRoot = (
    portfolio: Omit<
      Parameters<typeof verifyPortfolioAtRoot>[0],
      'registry' | 'index' | 'answers' | 'bls'
    >,
  ) =>
    verifyPortfolioAtRoot({
      registry: fixtureRegistry,
      index: fixtureIndex,
      answers: rootsOf([0, 1, 2]),
      bls: countingVerifier(),
      ...portfolio,
    })
  const answer = (position: number, body: unknown): ProofAnswer => ({
    replicaId: replicaIds[position]!,
    kind: 'answer',
    body,
  })

  it('proves every balance and open order from one /balances answer and one /orders page', () => {
    const balances = splitBalanceProofs(holder, tokens, answer(0, provenBalancesBody(0, holder)))
    const page = provenOrdersPage(0, orderOwner.address, [openOrderId])
    const orders = splitOrderProofs(orderOwner.address, answer(0, page))
    const holderResult = atQuorumRoot({
      address: holder,
      tokens,
      proofs: Object.fromEntries(tokens.map((token) => [token, [balances[token]!]])),
      orderIds: [],
      orderProofs: {},
    })
    expect(Object.values(holderResult.byToken).map((proven) => proven.verified)).toEqual([
      true,
      true,
      true,
    ])
    const ownerResult = atQuorumRoot({
      address: orderOwner.address,
      tokens: [],
      proofs: {},
      orderIds: Object.keys(orders),
      orderProofs: { [openOrderId]: [orders[openOrderId]!] },
    })
    expect(ownerResult.byOrder[openOrderId]).toMatchObject({ verified: true, k: 3 })
  })

  it("refuses an answer repeating a token, and proves every balance from the next one's", () => {
    const honest = provenBalancesBody(0, holder)
    const repeated = { ...honest, balances: [...honest.balances, honest.balances[0]] }
    const first = splitBalanceProofs(holder, tokens, answer(0, repeated))
    const second = splitBalanceProofs(holder, tokens, answer(1, provenBalancesBody(1, holder)))
    const result = atQuorumRoot({
      address: holder,
      tokens,
      proofs: Object.fromEntries(tokens.map((token) => [token, [first[token]!, second[token]!]])),
      orderIds: [],
      orderProofs: {},
    })
    for (const token of tokens) {
      expect(result.byToken[token]).toMatchObject({ verified: true, servedBy: 'replica-2' })
      expect(result.byToken[token]!.replicas[0]).toMatchObject({ proof: 'invalid_answer' })
    }
  })
})
