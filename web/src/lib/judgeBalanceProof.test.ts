import { describe, expect, it } from 'vitest'
import { fixtureIndex } from '../../../shared/attest/testing.ts'
import {
  balanceProofBody,
  fixtureStateHash,
  holder,
  holderUsdt,
  stranger,
} from '../testing/provenStateFixture.ts'
import { judgeBalanceProof, type BalanceProofAnswer } from './judgeBalanceProof.ts'

const root = { index: fixtureIndex, stateHash: fixtureStateHash }
const answer = (body: unknown, replicaId = 'replica-1'): BalanceProofAnswer => ({
  replicaId,
  kind: 'answer',
  body,
})
const judge = (address: string, token: string, proofAnswer: BalanceProofAnswer) =>
  judgeBalanceProof({ address, token, root, answer: proofAnswer })

describe('judgeBalanceProof', () => {
  it('takes a balance whose proof leads to the quorum root, and a zero balance proven absent', () => {
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
      // A leaf and state hash that match the lie do not help: they are never read.
      { available: '1', value: '1 0', stateHash: `0x${'11'.repeat(32)}` },
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
