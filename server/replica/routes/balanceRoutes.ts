import { Hono } from 'hono'
import {
  balanceQuerySchema,
  balancesQuerySchema,
  type BalancesResponse,
} from '../../../shared/api/index.ts'
import { parseToken } from '../../../shared/intents/index.ts'
import { aggregateBalance } from '../aggregateBalance.ts'
import { rejection } from '../apiError.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * `GET /balance`, `GET /balances`: signed balances as of the applied index or an older one
 * (from the balance history); `GET /aggregate_balance`: a quorum of replicas' signatures over
 * one balance at one common index, aggregated with BLS.
 */
export function balanceRoutes(deps: ReplicaDeps) {
  return new Hono()
    .get('/balance', (c) => {
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps, query.token)
      const { balance, index } = balanceAt(deps, address, token, query.index)
      const json = deps.signer.signJson(address, token, balance, index)
      return c.body(json, 200, { 'Content-Type': 'application/json' })
    })
    .get('/balances', (c) => {
      const query = parseQuery(c, balancesQuerySchema)
      const address = canonicalAddress(query.address)
      const index = query.index ?? deps.state.position.index
      const balances = [...deps.state.exchange.ledger.tokens.keys()].map((token) => {
        const found = balanceAt(deps, address, token, index)
        return deps.signer.sign(address, token, found.balance, found.index)
      })
      const answer: BalancesResponse = { address, index, balances }
      return c.json(answer)
    })
    .get('/aggregate_balance', async (c) => {
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps, query.token)
      return c.json(await aggregateBalance(deps, address, token, query.index))
    })
}

function knownToken(deps: ReplicaDeps, symbol: string): string {
  const token = parseToken(deps.state.exchange.ledger.tokens, symbol)
  if (!token.ok) throw rejection(token.reason, 'token')
  return token.value.symbol
}

/**
 * The balance of (address, token) as of `index` (default: the applied index): from memory at
 * the applied index, from the history table below it, 409 `index_ahead` above it.
 */
export function balanceAt(
  deps: ReplicaDeps,
  address: string,
  token: string,
  index: number | undefined,
): { balance: { available: bigint; locked: bigint }; index: number } {
  const applied = deps.state.position.index
  if (index === undefined || index === applied) {
    return { balance: deps.state.exchange.ledger.balance(address, token), index: applied }
  }
  if (index > applied) throw rejection('index_ahead', 'index', `applied index is ${applied}`)
  return { balance: deps.state.store.balanceAt(address, token, index), index }
}
