import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fixtureIndex } from '../attest/testing.ts'
import { judgeBalanceProof, judgeOrderProof, type ProofAnswer } from './judgeProofAnswers.ts'
import { nextOpenOrdersCursor, splitBalanceProofs, splitOrderProofs } from './splitProofAnswers.ts'
import {
  holder,
  holderEth,
  holderUsdt,
  orderOwner,
  provenBalancesBody,
  provenOrdersPage,
  provenState,
} from './testing.ts'

const { openOrderId, root } = provenState()
const tokens = ['USDT', 'ETH', 'BTC']
const answer = (body: unknown): ProofAnswer => ({ replicaId: 'replica-1', kind: 'answer', body })

/** Each token's verdict on one proven `/balances` answer, split and judged as clients do. */
function judgeBalances(body: unknown) {
  const split = splitBalanceProofs(holder, tokens, answer(body))
  return Object.fromEntries(
    tokens.map((token) => {
      const judged = judgeBalanceProof({ address: holder, token, root, answer: split[token]! })
      return [token, judged.ok ? judged : judged.refusal]
    }),
  )
}

/** Each order's verdict on one proven `/orders` page. */
function judgeOrders(body: unknown, owner = orderOwner.address) {
  const split = splitOrderProofs(owner, answer(body))
  return Object.fromEntries(
    Object.entries(split).map(([orderId, part]) => {
      const judged = judgeOrderProof({ orderId, owner, root, answer: part })
      return [orderId, judged.ok ? 'verified' : judged.refusal]
    }),
  )
}

/** The proof hex with one byte of it (after the 10-byte header) changed. */
function flipByte(proof: string, at: number, xor: number): string {
  const bytes = proof
    .slice(2)
    .match(/../g)!
    .map((pair) => parseInt(pair, 16))
  const position = 10 + (at % (bytes.length - 10))
  bytes[position] = bytes[position]! ^ xor
  return `0x${bytes.map((byte) => byte.toString(16).padStart(2, '0')).join('')}`
}

describe('splitBalanceProofs', () => {
  it('proves every token of one honest answer at the quorum root', () => {
    expect(judgeBalances(provenBalancesBody(0, holder))).toEqual({
      USDT: { ok: true, available: holderUsdt, locked: 0n },
      ETH: { ok: true, available: holderEth, locked: 0n },
      BTC: { ok: true, available: 0n, locked: 0n },
    })
  })

  it('refuses a tampered amount, sibling, index or root, token by token', () => {
    const honest = provenBalancesBody(0, holder)
    const patched = (token: string, patch: object) => ({
      ...honest,
      balances: honest.balances.map((entry) =>
        entry.token === token ? { ...entry, ...patch } : entry,
      ),
    })
    expect(judgeBalances(patched('USDT', { available: '1' }))).toMatchObject({
      USDT: 'false_value',
      ETH: { ok: true },
    })
    expect(judgeBalances(patched('BTC', { locked: '5' }))).toMatchObject({ BTC: 'false_value' })
    expect(judgeBalances({ ...honest, index: fixtureIndex + 1 })).toEqual({
      USDT: 'other_index',
      ETH: 'other_index',
      BTC: 'other_index',
    })
    // The answer's own state hash is never what a value is checked against.
    const otherRoot = { ...honest, stateHash: `0x${'33'.repeat(32)}` }
    expect(judgeBalances(otherRoot)).toMatchObject({ USDT: { ok: true } })
    const split = splitBalanceProofs(holder, tokens, answer(honest))
    const elsewhere = { index: fixtureIndex, stateHash: `0x${'33'.repeat(32)}` }
    expect(
      judgeBalanceProof({ address: holder, token: 'ETH', root: elsewhere, answer: split.ETH! }),
    ).toMatchObject({ refusal: 'false_value', reason: 'root_mismatch' })
  })

  it('refuses any changed byte of a proof (a sibling, a leaf digest, a count)', () => {
    const honest = provenBalancesBody(0, holder)
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('USDT', 'ETH', 'BTC'),
        (at, xor, token) => {
          const entry = honest.balances.find((balance) => balance.token === token)!
          const tampered = {
            ...honest,
            balances: honest.balances.map((balance) =>
              balance === entry ? { ...balance, proof: flipByte(entry.proof, at, xor) } : balance,
            ),
          }
          const judged = judgeBalances(tampered)[token]
          expect(['false_value', 'invalid_answer']).toContain(judged)
        },
      ),
    )
  })

  it('refuses a missing token alone, every token of an answer with one repeated or extra', () => {
    const honest = provenBalancesBody(0, holder)
    const [usdt, eth, btc] = honest.balances
    expect(judgeBalances({ ...honest, balances: [usdt, btc] })).toMatchObject({
      USDT: { ok: true },
      ETH: 'invalid_answer',
      BTC: { ok: true },
    })
    const everyTokenRefused = {
      USDT: 'invalid_answer',
      ETH: 'invalid_answer',
      BTC: 'invalid_answer',
    }
    // A token twice: which of the two would be the replica's word?
    expect(judgeBalances({ ...honest, balances: [usdt, eth, btc, usdt] })).toEqual(
      everyTokenRefused,
    )
    const extra = { ...eth!, token: 'DOGE' }
    expect(judgeBalances({ ...honest, balances: [usdt, eth, btc, extra] })).toEqual(
      everyTokenRefused,
    )
    expect(judgeBalances({ ...honest, address: orderOwner.address })).toEqual(everyTokenRefused)
    expect(judgeBalances({ ...honest, balances: 'all' })).toEqual(everyTokenRefused)
  })

  it('keeps an unavailable answer unavailable for every token', () => {
    const down: ProofAnswer = { replicaId: 'replica-2', kind: 'unavailable', message: 'timeout' }
    expect(splitBalanceProofs(holder, tokens, down)).toEqual({ USDT: down, ETH: down, BTC: down })
  })
})

describe('splitOrderProofs', () => {
  const closedId = `0x${'ab'.repeat(32)}`

  it('proves an open order of the page, and settles one its proof shows absent', () => {
    const page = provenOrdersPage(0, orderOwner.address, [openOrderId, closedId])
    expect(judgeOrders(page)).toEqual({ [openOrderId]: 'verified', [closedId]: 'not_open' })
  })

  it('refuses a tampered leaf, proof byte or index', () => {
    const page = provenOrdersPage(0, orderOwner.address, [openOrderId])
    const [proven] = page.proofs.orders
    const withOrder = (patch: object) => ({
      ...page,
      proofs: { ...page.proofs, orders: [{ ...proven!, ...patch }] },
    })
    const moreLots = proven!.value!.replace(' 10 10 ', ' 99 10 ')
    expect(judgeOrders(withOrder({ value: moreLots }))).toEqual({ [openOrderId]: 'false_value' })
    expect(judgeOrders(withOrder({ value: null }))).toEqual({ [openOrderId]: 'false_value' })
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const judged = judgeOrders(withOrder({ proof: flipByte(proven!.proof, at, xor) }))
        expect(['false_value', 'invalid_answer']).toContain(judged[openOrderId])
      }),
    )
    const later = { ...page, proofs: { ...page.proofs, index: fixtureIndex + 1 } }
    expect(judgeOrders(later)).toEqual({ [openOrderId]: 'other_index' })
  })

  it('takes an open order left unproven as unavailable; refuses proofs repeated or extra', () => {
    const page = provenOrdersPage(0, orderOwner.address, [openOrderId])
    const unproven = { ...page, proofs: { ...page.proofs, orders: [] } }
    expect(judgeOrders(unproven)).toEqual({ [openOrderId]: 'unavailable' })
    const [proven] = page.proofs.orders
    const twice = { ...page, proofs: { ...page.proofs, orders: [proven, proven] } }
    expect(judgeOrders(twice)).toEqual({ [openOrderId]: 'invalid_answer' })
    const unlisted = { ...proven!, orderId: closedId }
    const extra = { ...page, proofs: { ...page.proofs, orders: [proven, unlisted] } }
    expect(judgeOrders(extra)).toEqual({ [openOrderId]: 'invalid_answer' })
    expect(judgeOrders(page, holder)).toEqual({ [openOrderId]: 'invalid_answer' })
    expect(judgeOrders({ ...page, proofs: undefined })).toEqual({})
  })
})

describe('nextOpenOrdersCursor', () => {
  const page = (statuses: string[], next: string | null) => ({
    orders: statuses.map((status) => ({ status })),
    next,
  })

  it('walks on only while a page holds open orders alone and names a next page', () => {
    expect(nextOpenOrdersCursor(page(['open', 'open'], 'o.5.0x01'))).toBe('o.5.0x01')
    expect(nextOpenOrdersCursor(page(['open', 'filled'], 'c.5.0x01'))).toBeUndefined()
    expect(nextOpenOrdersCursor(page(['open'], null))).toBeUndefined()
    expect(nextOpenOrdersCursor({ orders: 'many', next: 'o.5.0x01' })).toBeUndefined()
    expect(nextOpenOrdersCursor(undefined)).toBeUndefined()
  })
})
