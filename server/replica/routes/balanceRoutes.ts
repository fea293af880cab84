import { Hono } from 'hono'
import {
  balanceQuerySchema,
  balancesQuerySchema,
  type BalancesResponse,
} from '../../../shared/api/index.ts'
import { parseToken } from '../../../shared/intents/index.ts'
import { BalanceAggregator } from '../aggregateBalance.ts'
import { ApiError, rejection } from '../apiError.ts'
import type { AttestedPosition } from '../balanceSigner.ts'
import { rateLimit, RateLimiter } from '../middleware/rateLimit.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * `GET /balance`, `GET /balances`: signed balances as of the applied index or an older one
 * (from the balance history); `GET /aggregate_balance`: a quorum of replicas' signatures over
 * one balance at one common index, aggregated with BLS.
 */
export function balanceRoutes(deps: ReplicaDeps) {
  const aggregator = new BalanceAggregator(deps)
  // One allowance per client IP address across the three routes: each answer may cost a fresh
  // BLS signature (a new address or index) or a fan-out to every peer.
  const limited = rateLimit(
    new RateLimiter({
      ratePerSecond: deps.options.signedReadRatePerSecond,
      burst: deps.options.signedReadBurst,
    }),
  )
  return new Hono()
    .use('/balance', limited)
    .use('/balances', limited)
    .use('/aggregate_balance', limited)
    .get('/balance', (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps, query.token)
      const { balance, at } = balanceAt(deps, address, token, query.index)
      const json = deps.signer.signJson(address, token, balance, at)
      return c.body(json, 200, { 'Content-Type': 'application/json' })
    })
    .get('/balances', (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balancesQuerySchema)
      const address = canonicalAddress(query.address)
      const index = query.index ?? deps.state.position.index
      const balances = [...deps.state.exchange.ledger.tokens.keys()].map((token) => {
        const found = balanceAt(deps, address, token, index)
        return deps.signer.sign(address, token, found.balance, found.at)
      })
      const answer: BalancesResponse = { address, index, balances }
      return c.json(answer)
    })
    .get('/aggregate_balance', async (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps, query.token)
      return c.json(await aggregator.aggregate(address, token, query.index))
    })
}

/**
 * 503 `replica_halted` once a failed commit left memory ahead of the database: whatever this
 * replica would sign now may be a state that never existed at any index.
 */
export function requireIntactState(deps: ReplicaDeps): void {
  if (deps.state.halted === undefined) return
  throw new ApiError(
    'replica_halted',
    'this replica stopped signing after a failed commit and is restarting; ask another replica',
  )
}

function knownToken(deps: ReplicaDeps, symbol: string): string {
  const token = parseToken(deps.state.exchange.ledger.tokens, symbol)
  if (!token.ok) throw rejection(token.reason, 'token')
  return token.value.symbol
}

/**
 * The balance of (address, token) as of `index` (default: the applied index) and the position it
 * is signed at, with Zellular's chaining hash of that index: both from memory at the applied
 * index, both from the store below it (balance history, chaining hashes); 409 `index_ahead`
 * above it; 404 `chaining_hash_unknown` for an index applied before the store kept chaining
 * hashes (such a balance cannot be bound to its history, so it is not signed).
 */
export function balanceAt(
  deps: ReplicaDeps,
  address: string,
  token: string,
  index: number | undefined,
): { balance: { available: bigint; locked: bigint }; at: AttestedPosition } {
  requireIntactState(deps)
  const position = deps.state.position
  if (index === undefined || index === position.index) {
    return { balance: deps.state.exchange.ledger.balance(address, token), at: position }
  }
  if (index > position.index) {
    throw rejection('index_ahead', 'index', `applied index is ${position.index}`)
  }
  const chainingHash = deps.state.store.chainingHashAt(index)
  if (chainingHash === undefined) throw rejection('chaining_hash_unknown', 'index')
  return { balance: deps.state.store.balanceAt(address, token, index), at: { index, chainingHash } }
}
