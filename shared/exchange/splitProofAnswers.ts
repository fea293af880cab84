import { z } from 'zod'
import {
  hash32Schema,
  orderProofsSchema,
  ordersPageMax,
  provenBalancesResponseSchema,
  provenOrderPagesMax,
  type BalanceProof,
  type OrderProof,
  type OrderProofs,
} from '../api/index.ts'
import type { ProofAnswer } from './judgeProofAnswers.ts'

/**
 * A replica's answer to `GET /balances?address&proof=1` taken apart into one answer per token,
 * each judged on its own by `judgeBalanceProof` (which rebuilds the leaf and checks the proof).
 * The answer as a whole must list each of `tokens` once and nothing else: a token listed twice
 * or one not asked for makes every token's answer `invalid` (the replica's list is not to be
 * trusted in part), a token it leaves out is `invalid` alone. Unavailable answers stay so. Pure
 * and never throws.
 *
 * @example
 * const perToken = splitBalanceProofs(address, ['ETH', 'USDT'], answer)
 * judgeBalanceProof({ address, token: 'ETH', root, answer: perToken.ETH! })
 */
export function splitBalanceProofs(
  address: string,
  tokens: readonly string[],
  answer: ProofAnswer,
): Record<string, ProofAnswer> {
  const { replicaId } = answer
  const all = (split: ProofAnswer) => Object.fromEntries(tokens.map((token) => [token, split]))
  if (answer.kind !== 'answer') return all(answer)
  const parsed = provenBalancesResponseSchema.safeParse(answer.body)
  if (!parsed.success) return all(invalid(replicaId, 'malformed proven balances'))
  const served = parsed.data
  if (served.address !== address.toLowerCase()) {
    return all(invalid(replicaId, 'balances of another address'))
  }
  const byToken = new Map<string, (typeof served.balances)[number]>()
  for (const balance of served.balances) {
    if (byToken.has(balance.token)) return all(invalid(replicaId, `${balance.token} listed twice`))
    if (!tokens.includes(balance.token)) {
      return all(invalid(replicaId, `a balance of ${balance.token}, not asked for`))
    }
    byToken.set(balance.token, balance)
  }
  const split: Record<string, ProofAnswer> = {}
  for (const token of tokens) {
    const balance = byToken.get(token)
    if (balance === undefined) {
      split[token] = invalid(replicaId, `no balance of ${token} in the answer`)
      continue
    }
    const body: BalanceProof = {
      replicaId: served.replicaId,
      address: served.address,
      index: served.index,
      stateHash: served.stateHash,
      ...balance,
    }
    split[token] = { replicaId, kind: 'answer', body }
  }
  return split
}

/** What `splitOrderProofs` reads of a `GET /orders?proof=1` page: its orders' ids and states. */
const provenOrdersPageSchema = z.object({
  address: z.string(),
  orders: z.array(z.object({ orderId: hash32Schema, status: z.string() })).max(ordersPageMax),
  proofs: orderProofsSchema,
})

/**
 * A replica's page of `GET /orders?address&proof=1` taken apart into one answer per order, each
 * judged on its own by `judgeOrderProof`: every order of the page that is open or has a proof.
 * The proofs must name each order once and only orders of the page: an order proven twice or
 * one the page does not list makes every order's answer `invalid`. An open order the replica
 * could not prove at its latest state hash (it changed since) is `unavailable`: another replica
 * may prove it. Pure and never throws.
 */
export function splitOrderProofs(
  address: string,
  answer: ProofAnswer,
): Record<string, ProofAnswer> {
  const { replicaId } = answer
  const parsed = answer.kind === 'answer' && provenOrdersPageSchema.safeParse(answer.body)
  // No page: no order of it to judge (the caller counts the orders it asked for as unanswered).
  if (!parsed || !parsed.success) return {}
  const page = parsed.data
  const listed = page.orders
  const open = listed.filter((order) => order.status === 'open').map((order) => order.orderId)
  const all = (split: ProofAnswer) => Object.fromEntries(open.map((orderId) => [orderId, split]))
  if (page.address !== address.toLowerCase()) {
    return all(invalid(replicaId, 'orders of another address'))
  }
  const ids = new Set(listed.map((order) => order.orderId))
  const proven = new Map<string, OrderProofs['orders'][number]>()
  for (const order of page.proofs.orders) {
    if (proven.has(order.orderId)) return all(invalid(replicaId, 'an order proven twice'))
    if (!ids.has(order.orderId)) return all(invalid(replicaId, 'a proof of an order not listed'))
    proven.set(order.orderId, order)
  }
  const split: Record<string, ProofAnswer> = {}
  for (const orderId of new Set([...open, ...proven.keys()])) {
    const order = proven.get(orderId)
    if (order === undefined) {
      const message = 'not provable at its latest state hash (changed since)'
      split[orderId] = { replicaId, kind: 'unavailable', message }
      continue
    }
    const { index, stateHash } = page.proofs
    const body: OrderProof = { replicaId: page.proofs.replicaId, index, stateHash, ...order }
    split[orderId] = { replicaId, kind: 'answer', body }
  }
  return split
}

/**
 * The cursor of the page to read after this page of `GET /orders`, when it may list more open
 * orders: open orders come first, so a walk through an address's open orders stops at the last
 * page or at the first page that holds another order. Undefined for anything else.
 */
export function nextOpenOrdersCursor(body: unknown): string | undefined {
  const page = openOrdersWalkSchema.safeParse(body)
  if (!page.success || page.data.next === null) return undefined
  return page.data.orders.every((order) => order.status === 'open') ? page.data.next : undefined
}

/**
 * An address's pages of `GET /orders?proof=1` as `readPage(cursor)` answers them (no cursor: the
 * first), following `nextOpenOrdersCursor` while a page may list more open orders, at most
 * `provenOrderPagesMax`; a page that is no answer ends the walk. `truncated` when more open
 * orders may follow the last page read. The web app and the verify CLI read pages their own way.
 */
export async function walkOpenOrderPages(
  readPage: (cursor: string | undefined) => Promise<ProofAnswer>,
): Promise<{ pages: ProofAnswer[]; truncated: boolean }> {
  const pages: ProofAnswer[] = []
  let cursor: string | undefined
  for (let read = 0; read < provenOrderPagesMax; read++) {
    const page = await readPage(cursor)
    pages.push(page)
    cursor = page.kind === 'answer' ? nextOpenOrdersCursor(page.body) : undefined
    if (cursor === undefined) return { pages, truncated: false }
  }
  return { pages, truncated: true }
}

/** What `nextOpenOrdersCursor` reads of a page. */
const openOrdersWalkSchema = z.object({
  orders: z.array(z.object({ status: z.string() })).max(ordersPageMax),
  next: z.string().nullable(),
})

function invalid(replicaId: string, message: string): ProofAnswer {
  return { replicaId, kind: 'invalid', message }
}
