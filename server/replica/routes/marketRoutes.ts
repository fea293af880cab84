import { Hono, type Context } from 'hono'
import {
  orderbookQuerySchema,
  orderQuerySchema,
  ordersQuerySchema,
  tradesQuerySchema,
  type MarketsResponse,
  type OrderbookResponse,
  type OrderResponse,
  type OrdersResponse,
  type Trade,
  type TradesResponse,
} from '../../../shared/api/index.ts'
import type { ListedMarket } from '../../../shared/exchange/index.ts'
import type { Address } from '../../../shared/intents/index.ts'
import { ApiError, rejection } from '../apiError.ts'
import type { ClientLimits } from '../middleware/clientLimits.ts'
import { whenProofAsked } from '../middleware/whenProofAsked.ts'
import {
  findMarket,
  listMarkets,
  listTokens,
  readBook,
  readOrders,
  readTrades,
} from '../readQueries.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { readOrderProofs } from '../stateProofs.ts'
import type { OrdersCursor, OrdersPage, OrdersPageParameters } from '../store/replicaStorage.ts'
import { canonicalAddress, hashIdParam, parseQuery } from './requestParsing.ts'

/**
 * Market data: `GET /markets` (tokens and market grids), `GET /orderbook` (at most 500 aggregated
 * levels per side, with the market's delta `seq`), `GET /orders` (pages of an address's orders,
 * open ones first, each with its latest fills; with `proof=1`, the open ones' state proofs at the
 * latest state hash), `GET /order/:id` (one order; with `proof=1`, its state proof there),
 * `GET /trades` (pages of a market's trades, newest first). Every list has a cap, so no request
 * costs more than a page. Prices and quantities are base-unit decimal strings.
 */
export function marketRoutes(deps: ReplicaDeps, limits: ClientLimits) {
  const findListed: FindMarket = (id) => findMarket(deps.state, id)
  return new Hono()
    .get('/markets', (c) => {
      const answer: MarketsResponse = {
        markets: listMarkets(deps.state),
        tokens: listTokens(deps.state),
      }
      return c.json(answer)
    })
    .get('/orderbook', async (c) => {
      const query = parseQuery(c, orderbookQuerySchema)
      const market = requireListedMarket(findListed, query.market)
      const answer: OrderbookResponse = await readBook(deps.state, market, query.depth)
      return c.json(answer)
    })
    .use('/orders', whenProofAsked(limits.signedRead))
    .get('/orders', async (c) => {
      const request = ordersPageRequest(c, findListed)
      const page = await readOrders(deps.state, request)
      const answer = toOrdersResponse(request.owner, page)
      if (!request.proof) return c.json(answer)
      const open = page.orders.filter((order) => order.status === 'open')
      const proofs = await readOrderProofs(
        deps,
        open.map((order) => order.orderId),
      )
      return c.json({ ...answer, proofs } satisfies OrdersResponse)
    })
    .use('/order/:id', whenProofAsked(limits.signedRead))
    .get('/order/:id', async (c) => {
      const orderId = hashIdParam(c, 'an order')
      const { proof } = parseQuery(c, orderQuerySchema)
      // The index is taken first: the order is as of it or of a later commit, never older.
      const index = deps.state.position.index
      const order = await deps.state.storage.order(orderId)
      if (order === undefined) throw orderNotFound(orderId)
      if (!proof) return c.json({ index, order } satisfies OrderResponse)
      const proofs = await readOrderProofs(deps, [orderId])
      const proven = proofs.orders[0]
      if (proven === undefined) {
        throw new ApiError(
          'proof_unavailable',
          'the order changed since the latest state hash; retry',
        )
      }
      const { replicaId, stateHash } = proofs
      const leaf = { replicaId, index: proofs.index, stateHash, ...proven }
      return c.json({ index, order, proof: leaf } satisfies OrderResponse)
    })
    .get('/trades', async (c) => {
      const request = tradesPageRequest(c, findListed)
      const { trades, prunedBelow } = await readTrades(
        deps.state,
        request.market,
        request.limit + 1,
        request.before,
      )
      if (prunedBelow !== undefined) throw prunedTrades(request.before, prunedBelow)
      return c.json(toTradesResponse(request, trades))
    })
}

/** The 404 of `GET /order/:id` for an order not held here (replica and API processes alike). */
export function orderNotFound(orderId: string): ApiError {
  return new ApiError('order_not_found', `no order ${orderId} here (never placed, or pruned)`, 'id')
}

/** Looks a market up by id; undefined when it is not listed. */
type FindMarket = (id: string) => ListedMarket | undefined

/** The listed market of a query parameter, or the stable `unknown_market` rejection. */
export function requireListedMarket(find: FindMarket, id: string): ListedMarket {
  const market = find(id)
  if (market === undefined) throw rejection('unknown_market', 'market', id)
  return market
}

/** The page of `GET /orders` a request asks for (replica and API processes parse it alike). */
export function ordersPageRequest(
  c: Context,
  find: FindMarket,
): OrdersPageParameters & { readonly owner: Address; readonly proof: boolean } {
  const query = parseQuery(c, ordersQuerySchema)
  if (query.market !== undefined) requireListedMarket(find, query.market)
  return {
    owner: canonicalAddress(query.address),
    market: query.market,
    limit: query.limit,
    cursor: query.cursor === undefined ? undefined : parseOrdersCursor(query.cursor),
    proof: query.proof,
  }
}

/** The page of `GET /trades` a request asks for: trades of `market` below seq `before`. */
interface TradesPageRequest {
  readonly market: string
  readonly limit: number
  readonly before: number | undefined
}

export function tradesPageRequest(c: Context, find: FindMarket): TradesPageRequest {
  const query = parseQuery(c, tradesQuerySchema)
  return {
    market: requireListedMarket(find, query.market).spec.id,
    limit: query.limit,
    before: query.cursor === undefined ? undefined : Number(query.cursor),
  }
}

/** The refusal of a trades cursor whose page the history retention has pruned. */
export function prunedTrades(before: number | undefined, prunedBelow: number): ApiError {
  const message = `trades before ${before} are pruned (batches below ${prunedBelow})`
  return new ApiError('pruned', message, 'cursor')
}

/** The `GET /trades` answer from up to `limit + 1` trades read (the extra one says a next page). */
export function toTradesResponse(
  request: TradesPageRequest,
  trades: readonly Trade[],
): TradesResponse {
  const page = trades.slice(0, request.limit)
  const last = page.at(-1)
  const next = trades.length > request.limit && last !== undefined ? String(last.seq) : null
  return { market: request.market, trades: page, next }
}

/** The `GET /orders` answer of a page of `address`'s orders (replica and API processes). */
export function toOrdersResponse(
  address: Address,
  page: OrdersPage & { readonly index: number },
): OrdersResponse {
  const next = page.next === null ? null : formatOrdersCursor(page.next)
  return { address, index: page.index, orders: page.orders, next }
}

function formatOrdersCursor(cursor: OrdersCursor): string {
  return `${cursor.group === 'open' ? 'o' : 'c'}.${cursor.updatedIndex}.${cursor.orderId}`
}

/** The inverse of `formatOrdersCursor`; the query schema has checked the form. */
function parseOrdersCursor(text: string): OrdersCursor {
  const [group, index, orderId] = text.split('.') as [string, string, string]
  return { group: group === 'o' ? 'open' : 'closed', updatedIndex: Number(index), orderId }
}
