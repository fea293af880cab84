import { Hono } from 'hono'
import {
  orderbookQuerySchema,
  ordersQuerySchema,
  tradesQuerySchema,
  type MarketsResponse,
  type OrderbookResponse,
  type OrdersResponse,
  type TradesResponse,
} from '../../../shared/api/index.ts'
import type { ListedMarket } from '../../../shared/exchange/index.ts'
import type { Address } from '../../../shared/intents/index.ts'
import { ApiError, rejection } from '../apiError.ts'
import {
  findMarket,
  listMarkets,
  listTokens,
  readBook,
  readOrders,
  readTrades,
} from '../readQueries.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import type { OrdersCursor, OrdersPage } from '../store/replicaStorage.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * Market data: `GET /markets` (tokens and market grids), `GET /orderbook` (at most 500 aggregated
 * levels per side, with the market's delta `seq`), `GET /orders` (pages of an address's orders,
 * open ones first, each with its latest fills), `GET /trades` (pages of a market's trades, newest
 * first). Every list has a cap, so no request costs more than a page. Prices and quantities are
 * base-unit decimal strings.
 */
export function marketRoutes(deps: ReplicaDeps) {
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
      const market = listedMarket(deps, query.market)
      const answer: OrderbookResponse = await readBook(deps.state, market, query.depth)
      return c.json(answer)
    })
    .get('/orders', async (c) => {
      const query = parseQuery(c, ordersQuerySchema)
      const address = canonicalAddress(query.address)
      if (query.market !== undefined) listedMarket(deps, query.market)
      const page = await readOrders(deps.state, {
        owner: address,
        market: query.market,
        limit: query.limit,
        cursor: query.cursor === undefined ? undefined : parseOrdersCursor(query.cursor),
      })
      return c.json(toOrdersResponse(address, page))
    })
    .get('/trades', async (c) => {
      const query = parseQuery(c, tradesQuerySchema)
      const market = listedMarket(deps, query.market).spec.id
      const before = query.cursor === undefined ? undefined : Number(query.cursor)
      const { trades, prunedBelow } = await readTrades(deps.state, market, query.limit + 1, before)
      if (prunedBelow !== undefined) {
        const message = `trades before ${before} are pruned (batches below ${prunedBelow})`
        throw new ApiError('pruned', message, 'cursor')
      }
      const page = trades.slice(0, query.limit)
      const last = page.at(-1)
      const next = trades.length > query.limit && last !== undefined ? String(last.seq) : null
      const answer: TradesResponse = { market, trades: page, next }
      return c.json(answer)
    })
}

/** An orders cursor as clients see it: `o` or `c` (the group), updated index, order id. */
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
export function parseOrdersCursor(text: string): OrdersCursor {
  const [group, index, orderId] = text.split('.') as [string, string, string]
  return { group: group === 'o' ? 'open' : 'closed', updatedIndex: Number(index), orderId }
}

function listedMarket(deps: ReplicaDeps, id: string): ListedMarket {
  const market = findMarket(deps.state, id)
  if (market === undefined) throw rejection('unknown_market', 'market', id)
  return market
}
