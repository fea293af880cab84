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
import { ApiError, rejection } from '../apiError.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { MarketPages, type OrdersCursor } from './marketPages.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * Market data: `GET /markets` (tokens and market grids), `GET /orderbook` (at most 500 aggregated
 * levels per side, with the market's delta `seq`), `GET /orders` (pages of an address's orders,
 * open ones first, each with its latest fills), `GET /trades` (pages of a market's trades, newest
 * first). Every list has a cap, so no request costs more than a page. Prices and quantities are
 * base-unit decimal strings.
 */
export function marketRoutes(deps: ReplicaDeps) {
  const pages = new MarketPages(deps.state.store.sqlite)
  return new Hono()
    .get('/markets', (c) => {
      const tokens = [...deps.state.exchange.ledger.tokens.values()].map(
        ({ symbol, decimals }) => ({
          symbol,
          decimals,
        }),
      )
      const markets = [...deps.state.exchange.markets.values()].map((market) => ({
        ...market.spec,
      }))
      const answer: MarketsResponse = { markets, tokens }
      return c.json(answer)
    })
    .get('/orderbook', (c) => {
      const query = parseQuery(c, orderbookQuerySchema)
      const market = listedMarket(deps, query.market)
      const depth = deps.state.exchange.engine.depth(market.spec.id, query.depth)
      const { lotBaseUnits, tickQuoteUnitsPerBaseToken } = market.engine
      const level = (entry: { price: number; lots: number; orders: number }) => ({
        price: (BigInt(entry.price) * tickQuoteUnitsPerBaseToken).toString(),
        quantity: (BigInt(entry.lots) * lotBaseUnits).toString(),
        orders: entry.orders,
      })
      const answer: OrderbookResponse = {
        market: market.spec.id,
        seq: depth.seq,
        index: deps.state.position.index,
        bids: depth.bids.map(level),
        asks: depth.asks.map(level),
      }
      return c.json(answer)
    })
    .get('/orders', (c) => {
      const query = parseQuery(c, ordersQuerySchema)
      const address = canonicalAddress(query.address)
      if (query.market !== undefined) listedMarket(deps, query.market)
      const page = pages.orders({
        owner: address,
        market: query.market,
        limit: query.limit,
        cursor: query.cursor === undefined ? undefined : parseOrdersCursor(query.cursor),
      })
      const answer: OrdersResponse = {
        address,
        index: deps.state.position.index,
        orders: page.orders,
        next: page.next === null ? null : formatOrdersCursor(page.next),
      }
      return c.json(answer)
    })
    .get('/trades', (c) => {
      const query = parseQuery(c, tradesQuerySchema)
      const market = listedMarket(deps, query.market)
      const before = query.cursor === undefined ? undefined : Number(query.cursor)
      const trades = pages.trades(market.spec.id, query.limit + 1, before)
      if (trades.length === 0 && before !== undefined && before > 1) {
        // Trades below the cursor existed (seqs start at 1) but none is kept: pruned history.
        const prunedBelow = deps.state.store.historyPrunedBelow
        if (prunedBelow > 0 && deps.state.exchange.tradeSeq(market.spec.id) > 0) {
          const message = `trades before ${before} are pruned (batches below ${prunedBelow})`
          throw new ApiError('pruned', message, 'cursor')
        }
      }
      const page = trades.slice(0, query.limit)
      const last = page.at(-1)
      const next = trades.length > query.limit && last !== undefined ? String(last.seq) : null
      const answer: TradesResponse = { market: market.spec.id, trades: page, next }
      return c.json(answer)
    })
}

/** An orders cursor as clients see it: `o` or `c` (the group), updated index, order id. */
function formatOrdersCursor(cursor: OrdersCursor): string {
  return `${cursor.group === 'open' ? 'o' : 'c'}.${cursor.updatedIndex}.${cursor.orderId}`
}

/** The inverse of `formatOrdersCursor`; the query schema has checked the form. */
function parseOrdersCursor(text: string): OrdersCursor {
  const [group, index, orderId] = text.split('.') as [string, string, string]
  return { group: group === 'o' ? 'open' : 'closed', updatedIndex: Number(index), orderId }
}

function listedMarket(deps: ReplicaDeps, id: string): ListedMarket {
  const market = deps.state.exchange.markets.get(id)
  if (market === undefined) throw rejection('unknown_market', 'market', id)
  return market
}
