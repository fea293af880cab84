import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { OrderbookResponse, Trade } from '../../../shared/api/index.ts'
import { fixtureTrade } from '../testing/tradeFixture.ts'
import { orderbookFromSnapshot } from './orderbookState.ts'
import {
  bookTopText,
  checkedLevels,
  MarketDataCheck,
  tradeText,
  type FalseMarketData,
} from './marketDataCheck.ts'

const levels = (entries: [number, number][]) =>
  new Map(entries.map(([price, quantity]) => [BigInt(price), BigInt(quantity)]))

describe('the texts market data is compared by', () => {
  it("a book's: its best levels of each side, best first, however they were kept", () => {
    const book = {
      bids: levels([
        [99, 1],
        [101, 2],
        [100, 3],
      ]),
      asks: levels([
        [105, 4],
        [103, 5],
      ]),
    }
    expect(bookTopText(book)).toBe('101:2,100:3,99:1|103:5,105:4')
  })

  it(`a book's: ${checkedLevels} levels a side, deeper ones (a snapshot's cut) not counted`, () => {
    const deep = Array.from({ length: 40 }, (_, i) => [100 - i, 1] as [number, number])
    const side = (entries: [number, number][]) => ({ bids: levels(entries), asks: levels([]) })
    expect(bookTopText(side(deep))).toBe(bookTopText(side(deep.slice(0, checkedLevels))))
    expect(bookTopText(side(deep))).not.toBe(bookTopText(side(deep.slice(1))))
  })

  it("a trade's: what it was, not the time its replica read for its batch", () => {
    const trade = fixtureTrade(3, { market: 'ETH/USDT', price: '2000', quantity: '1' })
    expect(tradeText({ ...trade, time: 1 })).toBe(tradeText({ ...trade, time: 2 }))
    expect(tradeText(trade)).not.toBe(tradeText({ ...trade, price: '2001' }))
    expect(tradeText(trade)).not.toBe(tradeText({ ...trade, taker: trade.maker }))
  })
})

const market = 'ETH/USDT'
const book = (seq: number, bid: string): OrderbookResponse => ({
  market,
  seq,
  index: seq,
  bids: [{ price: bid, quantity: '5', orders: 1 }],
  asks: [],
})

/**
 * A replica on 127.0.0.1 answering `/orderbook` with `served()` and `/trades` with the page of
 * `trades` (newest first) its `cursor` and `limit` ask for; every request's path is in `asked`,
 * and each `/trades` query in `tradeQueries`.
 */
async function replicaServing(
  id: string,
  served: () => OrderbookResponse,
  trades: readonly Trade[] = [],
) {
  const asked: string[] = []
  const tradeQueries: string[] = []
  const server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://x')
    const path = url.pathname
    asked.push(path)
    if (path === '/trades') tradeQueries.push(url.search)
    const cursor = Number(url.searchParams.get('cursor') ?? Infinity)
    const limit = Number(url.searchParams.get('limit') ?? 50)
    const page = trades.filter((trade) => trade.seq < cursor).slice(0, limit)
    const body = path === '/orderbook' ? served() : { market, trades: page, next: null }
    response.writeHead(200, {
      'content-type': 'application/json',
      'access-control-allow-origin': '*',
    })
    response.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  cleanUps.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { replica: { id, url: `http://127.0.0.1:${port}` }, asked, tradeQueries }
}

const cleanUps: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0)) await cleanUp()
})

/**
 * Three replicas, the stream on replica-1, the others on servers serving `served()` and
 * `trades` (newest first).
 */
async function checkAgainst(served: () => OrderbookResponse, trades: readonly Trade[] = []) {
  const two = await replicaServing('replica-2', served, trades)
  const three = await replicaServing('replica-3', served, trades)
  const found: FalseMarketData[] = []
  const check = new MarketDataCheck({
    replicas: [{ id: 'replica-1', url: 'http://127.0.0.1:1' }, two.replica, three.replica],
    quorum: 2,
    markets: [market],
    onFalse: (value) => found.push(value),
  })
  const streamed = (answer: OrderbookResponse) =>
    check.streamedBook(market, orderbookFromSnapshot(answer), 'replica-1')
  return {
    check,
    found,
    streamed,
    asked: () => [...two.asked, ...three.asked],
    tradeQueries: () => [...two.tradeQueries, ...three.tradeQueries],
  }
}

/** The stream's replica (replica-1) named for `kind` at `seq`, contradicted by both others. */
const streamNamed = (kind: FalseMarketData['kind'], seq: number): FalseMarketData => ({
  kind,
  replicaId: 'replica-1',
  market,
  seq,
  contradictedBy: ['replica-2', 'replica-3'],
})

describe('MarketDataCheck against replicas on 127.0.0.1', () => {
  it('asks the other replicas again only once the stream shows news of a market', async () => {
    let served = book(5, '100')
    const { check, found, streamed, asked } = await checkAgainst(() => served)
    streamed(book(5, '100'))
    await check.askRound()
    expect(asked().sort()).toEqual(['/orderbook', '/orderbook', '/trades', '/trades'])
    // Nothing new on the stream, the answers of its update: no ask.
    await check.askRound()
    expect(asked()).toHaveLength(4)
    served = book(6, '101')
    streamed(book(6, '101'))
    await check.askRound()
    expect(asked()).toHaveLength(8)
    expect(found).toEqual([])
  })

  it('asks again next round when the answers were of another update than the stream shows', async () => {
    let served = book(4, '99')
    const { check, streamed, asked } = await checkAgainst(() => served)
    streamed(book(5, '100'))
    await check.askRound()
    served = book(5, '100')
    await check.askRound()
    expect(asked()).toHaveLength(8)
    await check.askRound()
    expect(asked()).toHaveLength(8)
  })

  it("names the stream's replica when both others serve another book at its update", async () => {
    const { check, found, streamed } = await checkAgainst(() => book(5, '100'))
    streamed(book(5, '1'))
    await check.askRound()
    expect(found).toEqual([streamNamed('book', 5)])
    expect(check.getFalse()).toEqual(found)
  })

  // A page of 600 trades, newest first, numbered 600 down to 1.
  const history = Array.from({ length: 600 }, (_, i) =>
    fixtureTrade(600 - i, { price: String(2000 + i) }),
  )

  it('asks the others for the same page of trades a fetched page is, once', async () => {
    const { check, found, tradeQueries } = await checkAgainst(() => book(5, '100'), history)
    // The chart's page: the 500 latest of a market at trade #580.
    const page = history.slice(20, 520)
    check.shownPage(market, page, 'replica-1')
    await check.askRound()
    expect(tradeQueries()).toEqual([
      `?market=${encodeURIComponent(market)}&limit=500&cursor=581`,
      `?market=${encodeURIComponent(market)}&limit=500&cursor=581`,
    ])
    check.shownPage(market, page, 'replica-1')
    await check.askRound()
    expect(tradeQueries()).toHaveLength(2)
    expect(found).toEqual([])
  })

  it("names the stream's replica for an old trade of a page both others serve otherwise", async () => {
    const { check, found } = await checkAgainst(() => book(5, '100'), history)
    const page = history.slice(0, 500).map((trade) =>
      // The page's oldest trade, far below the latest 20 the rounds ask for.
      trade.seq === 101 ? { ...trade, price: '1' } : trade,
    )
    check.shownPage(market, page, 'replica-1')
    await check.askRound()
    expect(found).toEqual([streamNamed('trade', 101)])
  })
})
