import { Hono } from 'hono'
import {
  orderbookQuerySchema,
  ordersQuerySchema,
  tradesQuerySchema,
  type MarketsResponse,
  type OrderbookResponse,
  type OrdersResponse,
  type OrderView,
  type TradesResponse,
} from '../../../shared/api/index.ts'
import type { ListedMarket, OrderUpdate } from '../../../shared/exchange/index.ts'
import { rejection } from '../apiError.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { toTradeView } from '../sseEvents.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/**
 * Market data: `GET /markets` (tokens and market grids), `GET /orderbook` (aggregated levels with
 * the market's delta `seq`), `GET /orders` (an address's open and recent orders with fills),
 * `GET /trades` (recent trades). Prices and quantities are base-unit decimal strings.
 */
export function marketRoutes(deps: ReplicaDeps) {
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
      const { lotSize, priceIncrement } = market.engine
      const level = (entry: { price: number; lots: number; orders: number }) => ({
        price: (BigInt(entry.price) * priceIncrement).toString(),
        quantity: (BigInt(entry.lots) * lotSize).toString(),
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
      const store = deps.state.store
      const orders = store.ordersOf(address, query.market, query.limit).map((order) => {
        const fills = store.tradesOfOrder(order.orderId).map((trade) => ({
          tradeSeq: trade.seq,
          price: trade.price.toString(),
          quantity: trade.quantity.toString(),
          role: trade.makerOrderId === order.orderId ? ('maker' as const) : ('taker' as const),
          index: trade.index,
        }))
        return toOrderView(order, fills)
      })
      const answer: OrdersResponse = { address, index: deps.state.position.index, orders }
      return c.json(answer)
    })
    .get('/trades', (c) => {
      const query = parseQuery(c, tradesQuerySchema)
      const market = listedMarket(deps, query.market)
      const trades = deps.state.store.recentTrades(market.spec.id, query.limit).map(toTradeView)
      const answer: TradesResponse = { market: market.spec.id, trades }
      return c.json(answer)
    })
}

function listedMarket(deps: ReplicaDeps, id: string): ListedMarket {
  const market = deps.state.exchange.markets.get(id)
  if (market === undefined) throw rejection('unknown_market', 'market', id)
  return market
}

function toOrderView(order: OrderUpdate, fills: OrderView['fills']): OrderView {
  const view: OrderView = {
    orderId: order.orderId,
    market: order.market,
    owner: order.owner,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    price: order.price.toString(),
    quantity: order.quantity.toString(),
    filled: order.filled.toString(),
    remaining: order.remaining.toString(),
    status: order.status,
    placedIndex: order.placedIndex,
    updatedIndex: order.updatedIndex,
    fills,
  }
  if (order.reason !== undefined) view.reason = order.reason
  return view
}
