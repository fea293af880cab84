import { Hono } from 'hono'
import {
  balanceProofQuerySchema,
  orderProofQuerySchema,
  rootQuerySchema,
  type BalanceProofResponse,
  type OrderProofResponse,
} from '../../../shared/api/index.ts'
import { balanceLeaf, encodeProofHex, orderLeaf } from '../../../shared/exchange/index.ts'
import { parseToken } from '../../../shared/intents/index.ts'
import { ApiError, rejection } from '../apiError.ts'
import { balanceAt, requireIntactState } from '../balanceAt.ts'
import { rateLimit, RateLimiter } from '../middleware/rateLimit.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * `GET /root[?index]`: this replica's signed root attestation at `index` (or of its latest
 * state hash), `docs/state-commitment.md`; `GET /balance_proof?address&token` and
 * `GET /order_proof?orderId`: a balance or an order with its state proof at the index of the
 * latest state hash. A client checks the proof against the state hash a quorum of replicas'
 * `/root?index` attestations signed.
 */
export function proofRoutes(deps: ReplicaDeps) {
  // A proof reads the balance history and hashes a bucket: limited like the signed reads.
  const limited = rateLimit(
    new RateLimiter({
      ratePerSecond: deps.options.signedReadRatePerSecond,
      burst: deps.options.signedReadBurst,
    }),
  )
  return new Hono()
    .use('/balance_proof', limited)
    .use('/order_proof', limited)
    .get('/root', async (c) => {
      requireIntactState(deps)
      const { index } = parseQuery(c, rootQuerySchema)
      await deps.state.settled()
      // The latest hash, computed now if one is due: each hash is signed as it is made.
      const latest = deps.stateHash()
      const signed = deps.roots.at(index ?? latest.index)
      if (signed === undefined) {
        const detail = `latest is at ${latest.index}; only recent ones are kept`
        throw rejection('root_not_kept', 'index', detail)
      }
      return c.json(signed)
    })
    .get('/balance_proof', async (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balanceProofQuerySchema)
      const address = canonicalAddress(query.address)
      const token = parseToken(deps.state.exchange.ledger.tokens, query.token)
      if (!token.ok) throw rejection(token.reason, 'token')
      await deps.state.settled()
      const latest = deps.stateHash()
      const { balance } = await balanceAt(deps, address, token.value.symbol, latest.index)
      const [key, value] = balanceLeaf(address, token.value.symbol, balance)
      await deps.state.settled()
      // The tree is that of the latest hash until the next one; the balance is as of its index.
      const proven = deps.state.exchange.stateProof(key, { value })
      if (proven === undefined || proven.stateHash !== latest.hash) {
        throw new ApiError('proof_unavailable', 'no proof at the latest state hash now; retry')
      }
      const answer: BalanceProofResponse = {
        replicaId: deps.replicaId,
        address,
        token: token.value.symbol,
        available: balance.available.toString(),
        locked: balance.locked.toString(),
        index: latest.index,
        stateHash: latest.hash,
        key,
        value: value ?? null,
        proof: encodeProofHex(proven.proof),
      }
      return c.json(answer)
    })
    .get('/order_proof', async (c) => {
      requireIntactState(deps)
      const { orderId } = parseQuery(c, orderProofQuerySchema)
      await deps.state.settled()
      const latest = deps.stateHash()
      const [key] = orderLeaf(orderId, undefined, undefined)
      // No history of orders: provable while the order has not changed since the latest hash.
      const proven = deps.state.exchange.stateProof(key)
      if (proven === undefined || proven.stateHash !== latest.hash) {
        throw new ApiError('proof_unavailable', 'the order changed since the latest state hash')
      }
      const answer: OrderProofResponse = {
        replicaId: deps.replicaId,
        orderId,
        index: latest.index,
        stateHash: latest.hash,
        key,
        value: proven.value ?? null,
        proof: encodeProofHex(proven.proof),
      }
      return c.json(answer)
    })
}
