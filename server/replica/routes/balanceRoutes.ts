import { Hono } from 'hono'
import {
  balanceQuerySchema,
  balancesQuerySchema,
  type BalancesResponse,
} from '../../../shared/api/index.ts'
import { parseToken } from '../../../shared/intents/index.ts'
import { BalanceAggregator } from '../aggregateBalance.ts'
import { rejection } from '../apiError.ts'
import { balanceAt, requireIntactState } from '../balanceAt.ts'
import type { ClientLimits } from '../middleware/clientLimits.ts'
import { signatureBudget } from '../middleware/signedReads.ts'
import { listTokens } from '../readQueries.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { readProvenBalances } from '../stateProofs.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * `GET /balance`, `GET /balances`: signed balances as of the applied index or an older one
 * (from the balance history), or with `proof=1` every balance with its state proof at the latest
 * state hash (`readProvenBalances`); `GET /aggregate_balance`: a quorum of replicas' signatures over
 * one balance at one common index, aggregated with BLS. Each new signature is paid from the
 * client's signed-read allowance (`signatureBudget`).
 */
export function balanceRoutes(deps: ReplicaDeps, limits: ClientLimits) {
  const aggregator = new BalanceAggregator(deps)
  return new Hono()
    .use('/balance', limits.signedRead)
    .use('/balances', limits.signedRead)
    .use('/aggregate_balance', limits.signedRead)
    .get('/balance', async (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps, query.token)
      const { balance, at } = await balanceAt(deps, address, token, query.index)
      const json = deps.signer.signJson(address, { token, balance, at }, signatureBudget(c))
      return c.body(json, 200, { 'Content-Type': 'application/json' })
    })
    .get('/balances', async (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balancesQuerySchema)
      const address = canonicalAddress(query.address)
      if (query.proof) return c.json(await readProvenBalances(deps, address))
      await deps.state.settled()
      const index = query.index ?? deps.state.position.index
      const tokens = listTokens(deps.state).map(({ symbol }) => symbol)
      const found = await Promise.all(
        tokens.map(async (token) => ({ token, ...(await balanceAt(deps, address, token, index)) })),
      )
      const balances = deps.signer.signAll(address, found, signatureBudget(c))
      const answer: BalancesResponse = { address, index, balances }
      return c.json(answer)
    })
    .get('/aggregate_balance', async (c) => {
      requireIntactState(deps)
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps, query.token)
      return c.json(await aggregator.aggregate(address, token, query.index, signatureBudget(c)))
    })
}

function knownToken(deps: ReplicaDeps, symbol: string): string {
  const token = parseToken(deps.state.exchange.ledger.tokens, symbol)
  if (!token.ok) throw rejection(token.reason, 'token')
  return token.value.symbol
}
