import { describe, expect, it } from 'vitest'
import { fixtureIndex } from '../attest/testing.ts'
import { judgeBalanceProof, judgeOrderProof, type ProofAnswer } from './judgeProofAnswers.ts'
import {
  balanceProofBody,
  holder,
  holderUsdt,
  orderOwner,
  orderProofBody,
  provenState,
  stranger,
} from './testing.ts'

const { openOrderId, root } = provenState()
const answer = (body: unknown, replicaId = 'replica-1'): ProofAnswer => ({
  replicaId,
  kind: 'answer',
  body,
})
const judge = (address: string, token: string, proofAnswer: ProofAnswer) =>
  judgeBalanceProof({ address, token, root, answer: proofAnswer })

describe('judgeBalanceProof', () => {
  it('takes a balance its proof ties to the quorum root, and a zero balance proven absent', () => {
    expect(judge(holder, 'USDT', answer(balanceProofBody(0, holder, 'USDT')))).toEqual({
      ok: true,
      available: holderUsdt,
      locked: 0n,
    })
    expect(judge(stranger, 'USDT', answer(balanceProofBody(0, stranger, 'USDT')))).toEqual({
      ok: true,
      available: 0n,
      locked: 0n,
    })
  })

  it('refuses a value its proof does not tie to the root, whatever else the answer claims', () => {
    const inflated = (patch: object) =>
      judge(holder, 'USDT', answer(balanceProofBody(0, holder, 'USDT', patch)))
    const lies = [
      { available: (holderUsdt * 10n).toString() },
      { locked: '1' },
      // A state hash that matches the lie does not help: it is never read.
      { available: '1', stateHash: `0x${'11'.repeat(32)}` },
      // A zero balance claimed with the presence proof.
      { available: '0' },
    ]
    for (const patch of lies) {
      expect(inflated(patch)).toMatchObject({ ok: false, refusal: 'false_value' })
    }
    expect(inflated(lies[0]!)).toMatchObject({ claimed: { available: holderUsdt * 10n } })
    // Another address's (true) proof for the holder's balance.
    const borrowed = balanceProofBody(0, stranger, 'USDT', { address: holder })
    expect(judge(holder, 'USDT', answer(borrowed))).toMatchObject({ refusal: 'false_value' })
    // The right proof checked against another root.
    const elsewhere = judgeBalanceProof({
      address: holder,
      token: 'USDT',
      root: { index: fixtureIndex, stateHash: `0x${'22'.repeat(32)}` },
      answer: answer(balanceProofBody(0, holder, 'USDT')),
    })
    expect(elsewhere).toMatchObject({ ok: false, refusal: 'false_value' })
  })

  it('tells a proof of another index, subject or replica from a lie', () => {
    const later = balanceProofBody(0, holder, 'USDT', { index: fixtureIndex + 3 })
    expect(judge(holder, 'USDT', answer(later))).toMatchObject({
      ok: false,
      refusal: 'other_index',
      detail: `proof at index ${fixtureIndex + 3}, not the quorum root's ${fixtureIndex}`,
    })
    const refusals = [
      judge(holder, 'ETH', answer(balanceProofBody(0, holder, 'USDT'))),
      judge(stranger, 'USDT', answer(balanceProofBody(0, holder, 'USDT'))),
      judge(holder, 'USDT', answer(balanceProofBody(0, holder, 'USDT'), 'replica-2')),
      judge(holder, 'USDT', answer({ available: '1' })),
      judge(holder, 'USDT', { replicaId: 'replica-1', kind: 'unavailable', message: 'HTTP 503' }),
    ]
    expect(refusals.map((judged) => (judged.ok ? 'ok' : judged.refusal))).toEqual([
      'invalid_answer',
      'invalid_answer',
      'invalid_answer',
      'invalid_answer',
      'unavailable',
    ])
  })
})

describe('judgeOrderProof', () => {
  const judgeOrder = (orderId: string, body: unknown, owner: string = orderOwner.address) =>
    judgeOrderProof({ orderId, owner, root, answer: answer(body) })
  const closedId = `0x${'c1'.repeat(32)}`

  it('takes an open order of the owner whose proof leads to the quorum root', () => {
    const judged = judgeOrder(openOrderId, orderProofBody(0, openOrderId))
    expect(judged).toEqual({
      ok: true,
      value: `ETH/USDT buy 199000 ${orderOwner.address} limit 10 10 1 0`,
    })
  })

  it('refuses an altered order, and one that is not open for the owner', () => {
    const honest = orderProofBody(0, openOrderId)
    const altered = { ...honest, value: honest.value!.replace(' 10 10 ', ' 9 10 ') }
    expect(judgeOrder(openOrderId, altered)).toMatchObject({
      ok: false,
      refusal: 'false_value',
      reason: 'root_mismatch',
    })
    // An order the state does not hold, claimed open with the proof of its absence.
    const claimed = orderProofBody(0, closedId, { value: honest.value })
    expect(judgeOrder(closedId, claimed)).toMatchObject({ refusal: 'false_value' })
    const notOpen = { ok: false, refusal: 'not_open', detail: 'not an open order of this address' }
    expect(judgeOrder(closedId, orderProofBody(0, closedId))).toEqual(notOpen)
    expect(judgeOrder(openOrderId, honest, holder)).toEqual(notOpen)
  })

  it('tells a proof of another index, order or replica from a lie', () => {
    const judged = [
      judgeOrder(openOrderId, orderProofBody(0, openOrderId, { index: fixtureIndex + 1 })),
      judgeOrder(closedId, orderProofBody(0, openOrderId)),
      judgeOrderProof({
        orderId: openOrderId,
        owner: orderOwner.address,
        root,
        answer: answer(orderProofBody(0, openOrderId), 'replica-2'),
      }),
      judgeOrder(openOrderId, { value: null }),
    ]
    expect(judged.map((one) => (one.ok ? 'ok' : one.refusal))).toEqual([
      'other_index',
      'invalid_answer',
      'invalid_answer',
      'invalid_answer',
    ])
  })
})
