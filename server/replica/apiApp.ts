import { Hono, type Context } from 'hono'
import {
  balanceQuerySchema,
  balancesQuerySchema,
  orderbookQuerySchema,
  orderQuerySchema,
  type BalancesResponse,
  type MarketsResponse,
  type OrderbookResponse,
  type OrderResponse,
} from '../../shared/api/index.ts'
import type { ListedMarket } from '../../shared/exchange/index.ts'
import { parseToken, type TokenRegistry } from '../../shared/intents/index.ts'
import { ApiError, rejection } from './apiError.ts'
import { prunedBalances } from './balanceAt.ts'
import type { BalanceSigner } from './balanceSigner.ts'
import type { ApplierDivergence } from './applierDivergence.ts'
import type { EventHub } from './eventHub.ts'
import type { EventRelay } from './eventRelay.ts'
import { bodySizeLimit } from './middleware/bodySizeLimit.ts'
import { corsPolicy } from './middleware/corsPolicy.ts'
import { errorHandler, notFoundHandler } from './middleware/errorHandler.ts'
import { clientLimits, type ClientLimitSettings } from './middleware/clientLimits.ts'
import { signatureBudget } from './middleware/signedReads.ts'
import { whenProofAsked } from './middleware/whenProofAsked.ts'
import { requireNotDiverged, whileDiverged } from './middleware/whileDiverged.ts'
import { eventRoutes } from './routes/eventRoutes.ts'
import {
  orderNotFound,
  ordersPageRequest,
  prunedTrades,
  requireListedMarket,
  toOrdersResponse,
  toTradesResponse,
  tradesPageRequest,
} from './routes/marketRoutes.ts'
import { toTxResponse } from './routes/txRoutes.ts'
import { canonicalAddress, hashIdParam, parseQuery } from './routes/requestParsing.ts'
import type { PostgresReads, StoredBalance } from './store/postgresReads.ts'

/** How long a new event stream waits for the relay to hold a position before a 503. */
const streamStartWaitMs = 5_000

/** What an API process's HTTP app needs; `apiReplica.ts` wires it. */
export interface ApiDeps {
  readonly replicaId: string
  readonly reads: PostgresReads
  readonly markets: ReadonlyMap<string, ListedMarket>
  readonly tokens: TokenRegistry
  /** Signs balances with the replica's key (see the README: why API processes hold it). */
  readonly signer: BalanceSigner
  readonly hub: EventHub
  readonly relay: EventRelay
  /** The applier's divergence, as its `/status` last said: this process refuses as it does. */
  readonly applier: Pick<ApplierDivergence, 'diverged'>
  /** Sends the request to the applier and returns its answer (`applierForward.ts`). */
  readonly forward: (c: Context) => Promise<Response>
  readonly options: ClientLimitSettings & {
    readonly corsOrigins: readonly string[] | '*'
    readonly bodyLimitBytes: number
    readonly eventQueueMax: number
  }
  readonly log: (line: string) => void
}

/**
 * The HTTP API of an API process: the replica's routes and answers, served from the replica's
 * PostgreSQL database by a process that never writes it. Reads of the state (books, orders,
 * trades, receipts, balances signed with the replica's key) come from the database, each from
 * one committed snapshot; live events from the applier's stream (`EventRelay`); submissions,
 * `/status`, `/network`, `/aggregate_balance`, `/debug/stages`, the `/tx` of an intent not yet
 * applied, and the roots and proofs (the state tree lives in the applier's memory alone) go to
 * the applier, as does `/snapshot` (state sync takes the applier's memory). Rate limits per
 * client IP address are applied here, before anything is forwarded. While the applier is
 * diverged (`ApplierDivergence`), the same routes as the applier's answer 503 `replica_diverged`.
 */
export function createApiApp(deps: ApiDeps) {
  const { options, forward } = deps
  const limits = clientLimits(options)
  const findListed = (id: string) => deps.markets.get(id)
  return new Hono()
    .use(corsPolicy(options.corsOrigins))
    .use(bodySizeLimit(options.bodyLimitBytes))
    .use(whileDiverged(deps.applier))
    .onError(errorHandler(deps.log))
    .notFound(notFoundHandler)
    .post('/transfer', limits.submit, forward)
    .post('/mint', limits.submit, forward)
    .post('/order', limits.submit, forward)
    .post('/cancel', limits.submit, forward)
    .get('/status', forward)
    .get('/network', forward)
    .get('/debug/stages', forward)
    .get('/aggregate_balance', limits.signedRead, forward)
    .get('/root', forward)
    .get('/root_certificate', limits.signedRead, forward)
    .get('/snapshot', limits.snapshot, forward)
    .get('/tx/:id', async (c) => {
      const id = hashIdParam(c, 'an intent')
      const receipt = await deps.reads.receipt(id)
      // Pending, dropped and unknown intents are the applier's to tell (its memory).
      if (receipt === undefined) return forward(c)
      return c.json(toTxResponse(receipt))
    })
    .get('/balance', limits.signedRead, async (c) => {
      const query = parseQuery(c, balanceQuerySchema)
      const address = canonicalAddress(query.address)
      const token = knownToken(deps.tokens, query.token)
      const [balance] = await storedBalances(deps, address, [token], query.index)
      const signing = { token, balance: balance!, at: attested(balance!) }
      requireNotDiverged(deps.applier)
      const json = deps.signer.signJson(address, signing, signatureBudget(c))
      return c.body(json, 200, { 'Content-Type': 'application/json' })
    })
    .get('/balances', limits.signedRead, async (c) => {
      const query = parseQuery(c, balancesQuerySchema)
      // State proofs come from the applier's tree.
      if (query.proof) return forward(c)
      const address = canonicalAddress(query.address)
      const tokens = [...deps.tokens.keys()]
      const found = await storedBalances(deps, address, tokens, query.index)
      const signing = found.map((balance, position) => {
        return { token: tokens[position]!, balance, at: attested(balance) }
      })
      requireNotDiverged(deps.applier)
      const balances = deps.signer.signAll(address, signing, signatureBudget(c))
      const answer: BalancesResponse = { address, index: found[0]!.index, balances }
      return c.json(answer)
    })
    .get('/markets', (c) => {
      const answer: MarketsResponse = {
        markets: [...deps.markets.values()].map((market) => ({ ...market.spec })),
        tokens: [...deps.tokens.values()].map(({ symbol, decimals }) => ({ symbol, decimals })),
      }
      return c.json(answer)
    })
    .get('/orderbook', async (c) => {
      const query = parseQuery(c, orderbookQuerySchema)
      const market = requireListedMarket(findListed, query.market).spec.id
      const book = await deps.reads.bookAt(market, query.depth)
      const answer: OrderbookResponse = { market, ...book }
      return c.json(answer)
    })
    .get('/orders', whenProofAsked(limits.signedRead), async (c) => {
      const request = ordersPageRequest(c, findListed)
      // State proofs come from the applier's tree.
      if (request.proof) return forward(c)
      const page = await deps.reads.ordersPageAt(request)
      return c.json(toOrdersResponse(request.owner, page))
    })
    .get('/order/:id', whenProofAsked(limits.signedRead), async (c) => {
      const orderId = hashIdParam(c, 'an order')
      // The state proof comes from the applier's tree.
      if (parseQuery(c, orderQuerySchema).proof) return forward(c)
      const { order, index } = await deps.reads.orderAt(orderId)
      if (order === undefined) throw orderNotFound(orderId)
      return c.json({ index, order } satisfies OrderResponse)
    })
    .get('/trades', async (c) => {
      const request = tradesPageRequest(c, findListed)
      const { market, limit, before } = request
      const trades = await deps.reads.tradesPage(market, limit + 1, before)
      if (trades.length === 0 && before !== undefined && before > 1) {
        // Trades below the cursor existed (seqs start at 1) but none is kept: pruned history.
        const prunedBelow = await deps.reads.historyPrunedBelow()
        if (prunedBelow > 0 && (await deps.reads.tradeSeq(market)) > 0) {
          throw prunedTrades(before, prunedBelow)
        }
      }
      return c.json(toTradesResponse(request, trades))
    })
    .route(
      '/',
      eventRoutes({
        replicaId: deps.replicaId,
        hub: deps.hub,
        eventQueueMax: options.eventQueueMax,
        streams: limits.eventStreams,
        streamStart: async () => {
          const position = await deps.relay.ready(streamStartWaitMs)
          if (position === undefined) {
            throw new ApiError('applier_unavailable', "no events from the replica's applier yet")
          }
          const books = [...position.books].map(([market, seq]) => ({ market, seq }))
          return { index: position.index, books }
        },
      }),
    )
}

/**
 * The stored balances of `address` in `tokens` at `index` (default: the applied index), all of
 * one committed snapshot; 409 `index_ahead` above the applied index, 404
 * `chaining_hash_unknown` where the database cannot bind the balance to its history.
 */
async function storedBalances(
  deps: ApiDeps,
  address: string,
  tokens: readonly string[],
  index: number | undefined,
): Promise<StoredBalance[]> {
  const found = await deps.reads.balancesAt(address, tokens, index)
  if ('appliedIndex' in found) {
    throw rejection('index_ahead', 'index', `applied index is ${found.appliedIndex}`)
  }
  if ('prunedBelow' in found) throw prunedBalances(found.prunedBelow)
  if (found.balances[0]?.chainingHash === undefined) {
    throw rejection('chaining_hash_unknown', 'index')
  }
  return found.balances
}

function attested(balance: StoredBalance): { index: number; chainingHash: string } {
  return { index: balance.index, chainingHash: balance.chainingHash! }
}

function knownToken(tokens: TokenRegistry, symbol: string): string {
  const token = parseToken(tokens, symbol)
  if (!token.ok) throw rejection(token.reason, 'token')
  return token.value.symbol
}
