import { QueryClient, QueryObserver } from '@tanstack/react-query'
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { Trade, TradesResponse } from '../../../shared/api/index.ts'
import { fixtureTrade } from '../testing/tradeFixture.ts'
import { routeLiveEvent, type RouteLiveEventContext } from './routeLiveEvent.ts'
import { mergeTrades, streamedTradeMarkets, tradeFeedQueryOptions } from './tradeFeed.ts'

const market = 'ETH/USDT'
const trade = (seq: number): Trade =>
  fixtureTrade(seq, { market, price: '2000000000', quantity: '1000000000000000000' })
const page = (...seqs: number[]): TradesResponse => ({
  market,
  trades: seqs.map(trade),
  next: null,
})

/**
 * A replica on 127.0.0.1 whose `GET /trades` answers are held until the test releases them:
 * each answer is the page the replica had when the request came in.
 */
async function slowTradesReplica() {
  let current = page(2, 1)
  const held: (() => void)[] = []
  const server = createServer((_request, response) => {
    const body = JSON.stringify(current)
    held.push(() => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'access-control-allow-origin': '*',
      })
      response.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    replica: { id: 'replica-1', url: `http://127.0.0.1:${port}` },
    setPage: (next: TradesResponse) => (current = next),
    requests: () => held.length,
    release: () => held.shift()?.(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const cleanUps: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0)) await cleanUp()
})

/** What `routeLiveEvent` needs, for a registry of `market` alone and no connected account. */
function liveContext(client: QueryClient): RouteLiveEventContext {
  return {
    queryClient: client,
    books: new Map(),
    markets: new Set([market]),
    address: undefined,
    receiptListeners: new Set(),
  }
}

/** A trade feed observed as a component would, fetched from a `slowTradesReplica`. */
async function observedFeed() {
  const replica = await slowTradesReplica()
  const client = new QueryClient()
  const observer = new QueryObserver(client, tradeFeedQueryOptions(replica.replica, market))
  const unsubscribe = observer.subscribe(() => {})
  cleanUps.push(
    () => unsubscribe(),
    () => client.clear(),
    () => replica.close(),
  )
  return { replica, client, observer, context: liveContext(client) }
}

describe('the trade feed', () => {
  it('keeps a streamed trade that arrives while the refetch after a reconnect is in flight', async () => {
    const { replica, client, observer, context } = await observedFeed()
    const seqs = () =>
      client.getQueryData<TradesResponse>(['trades', market])?.trades.map((item) => item.seq)

    await expect.poll(() => replica.requests()).toBe(1)
    replica.release()
    await expect.poll(seqs).toEqual([2, 1])

    // The stream reconnects: `hello` refetches; the replica answers with what it has now (3).
    replica.setPage(page(3, 2, 1))
    routeLiveEvent(
      { event: 'hello', data: { replicaId: 'replica-1', appliedIndex: 3, books: [] } },
      context,
    )
    await expect.poll(() => replica.requests()).toBe(1)
    routeLiveEvent({ event: 'trade', data: trade(3) }, context)
    // Trade 4 is applied and streamed before that answer arrives.
    routeLiveEvent({ event: 'trade', data: trade(4) }, context)
    expect(seqs()).toEqual([4, 3, 2, 1])
    replica.release()
    await expect.poll(() => observer.getCurrentResult().isFetching).toBe(false)
    expect(seqs()).toEqual([4, 3, 2, 1])
  })

  it("forgets a left stream's trades: a made-up one never joins the next replica's page", async () => {
    const { replica, client, observer, context } = await observedFeed()
    const shown = () => client.getQueryData<TradesResponse>(['trades', market])?.trades
    await expect.poll(() => replica.requests()).toBe(1)
    replica.release()
    await expect.poll(() => shown()?.length).toBe(2)

    // The stream's replica makes up trade 3; the stream then moves to another replica, which
    // has no trade 3 yet.
    routeLiveEvent({ event: 'trade', data: { ...trade(3), price: '1' } }, context)
    routeLiveEvent(
      { event: 'hello', data: { replicaId: 'replica-2', appliedIndex: 2, books: [] } },
      context,
    )
    await expect.poll(() => replica.requests()).toBe(1)
    replica.release()
    await expect.poll(() => observer.getCurrentResult().isFetching).toBe(false)
    expect(shown()?.map((item) => item.seq)).toEqual([2, 1])
    // The true trade 3, when it comes, is the one shown.
    routeLiveEvent({ event: 'trade', data: trade(3) }, context)
    expect(shown()?.[0]).toEqual(trade(3))
  })

  it('keeps nothing of trades in markets the registry does not list', () => {
    const client = new QueryClient()
    const context = liveContext(client)
    for (let i = 0; i < 5000; i++) {
      routeLiveEvent({ event: 'trade', data: { ...trade(1), market: `FORGED-${i}` } }, context)
    }
    routeLiveEvent({ event: 'trade', data: trade(1) }, context)
    expect(streamedTradeMarkets(client)).toEqual([market])
  })

  it('merges only streamed trades that continue the page, never leaving a hole', () => {
    const seqsOf = (trades: Trade[]) => trades.map((item) => item.seq)
    expect(seqsOf(mergeTrades(page(5, 4).trades, [trade(7), trade(6), trade(5)]))).toEqual([
      7, 6, 5, 4,
    ])
    expect(seqsOf(mergeTrades(page(5, 4).trades, [trade(8), trade(6)]))).toEqual([6, 5, 4])
    expect(seqsOf(mergeTrades([], [trade(2), trade(1)]))).toEqual([2, 1])
    const long = Array.from({ length: 40 }, (_, i) => trade(40 - i))
    expect(seqsOf(mergeTrades(long, [trade(41)])).slice(0, 2)).toEqual([41, 40])
    expect(mergeTrades(long, [trade(41)])).toHaveLength(40)
  })
})
