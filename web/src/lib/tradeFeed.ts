import { queryOptions, type QueryClient } from '@tanstack/react-query'
import type { Trade, TradesResponse } from '../../../shared/api/index.ts'
import { tradesQueryKey } from './queries.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

/** Trades a market's feed shows, newest first. */
const tradeFeedLimit = 40

/**
 * Trades received on the stream lately, per query client and market, newest first, at most
 * `tradeFeedLimit`: what a page fetched while they arrived may not contain yet.
 */
const streamed = new WeakMap<QueryClient, Map<string, Trade[]>>()

function streamedTrades(client: QueryClient, market: string): readonly Trade[] {
  return streamed.get(client)?.get(market) ?? []
}

/**
 * Forgets the trades streamed so far, as a new stream starts (`hello`, `reset`): the refetch it
 * brings holds what its replica has, and a trade another replica streamed, maybe made up, must
 * not be merged above it (the true one of that number would then be taken as already held).
 */
export function forgetStreamedTrades(client: QueryClient): void {
  streamed.get(client)?.clear()
}

/** Per query client, who is told of each page of trades fetched (`watchFetchedTrades`). */
const fetchedWatchers = new WeakMap<QueryClient, FetchedTradesWatcher>()

/** Told of a page of `market`'s trades (newest first) that `replicaId` answered. */
type FetchedTradesWatcher = (replicaId: string, market: string, trades: readonly Trade[]) => void

/**
 * Tells `watcher` of each page of trades fetched through `client` (the feed's, the chart's
 * history), with the replica that answered: the app checks those against the other replicas
 * too (`marketDataCheck.ts`). Returns the call that stops it.
 */
export function watchFetchedTrades(client: QueryClient, watcher: FetchedTradesWatcher): () => void {
  fetchedWatchers.set(client, watcher)
  return () => {
    if (fetchedWatchers.get(client) === watcher) fetchedWatchers.delete(client)
  }
}

/** Tells the watcher of `client`, if any, of a page of trades `replica` answered. */
export function reportFetchedTrades(
  client: QueryClient,
  replica: ReplicaRef,
  market: string,
  trades: readonly Trade[],
): void {
  fetchedWatchers.get(client)?.(replica.id, market, trades)
}

/** The markets whose streamed trades are kept for `client`. */
export function streamedTradeMarkets(client: QueryClient): string[] {
  return [...(streamed.get(client)?.keys() ?? [])]
}

/**
 * A fetched page (newest first) with the streamed trades that continue it: those above its top
 * `seq`, taken while each is the next number, so a hole is never shown (the next streamed trade
 * finds it and refetches). Trades are numbered per market by every replica alike, so trades
 * streamed from one replica continue a page fetched from another.
 */
export function mergeTrades(
  page: readonly Trade[],
  streamedNewestFirst: readonly Trade[],
  limit = tradeFeedLimit,
): Trade[] {
  const top = page[0]?.seq ?? 0
  const above = streamedNewestFirst.filter((trade) => trade.seq > top).sort((a, b) => a.seq - b.seq)
  const continuing: Trade[] = []
  for (const trade of above) {
    if (trade.seq !== top + continuing.length + 1) break
    continuing.push(trade)
  }
  return [...continuing.reverse(), ...page].slice(0, limit)
}

/**
 * A market's recent trades: `GET /trades` from `replica`, merged when the answer arrives with
 * the trades streamed meanwhile. A refetch (after every reconnection) is answered with the
 * trades the replica had when it was asked; without the merge, a trade streamed while the answer
 * travelled would be overwritten by it.
 */
export function tradeFeedQueryOptions(replica: ReplicaRef | undefined, market: string) {
  return queryOptions({
    queryKey: tradesQueryKey(market),
    queryFn: async ({ signal, client }): Promise<TradesResponse> => {
      const answer = await replicaApi.trades(replica!, { market, limit: tradeFeedLimit }, signal)
      reportFetchedTrades(client, replica!, market, answer.trades)
      return { ...answer, trades: mergeTrades(answer.trades, streamedTrades(client, market)) }
    },
    enabled: replica !== undefined,
    retry: 1,
  })
}

/**
 * Takes one streamed trade into its market's feed: remembered for a fetch in flight, and put on
 * top of the shown trades. A trade that skips a number means one was missed: the feed is
 * fetched again rather than shown with a hole.
 */
export function receiveStreamedTrade(client: QueryClient, trade: Trade): void {
  let byMarket = streamed.get(client)
  if (byMarket === undefined) streamed.set(client, (byMarket = new Map()))
  const recent = byMarket.get(trade.market) ?? []
  if (!recent.some((item) => item.seq === trade.seq)) {
    byMarket.set(
      trade.market,
      [trade, ...recent].sort((a, b) => b.seq - a.seq).slice(0, tradeFeedLimit),
    )
  }
  client.setQueryData<TradesResponse>(tradesQueryKey(trade.market), (previous) => {
    if (previous === undefined) return previous
    const top = previous.trades[0]?.seq ?? 0
    if (trade.seq <= top) return previous
    if (trade.seq !== top + 1 && top !== 0) {
      // A missed trade: refetch rather than show a hole.
      client.invalidateQueries({ queryKey: tradesQueryKey(trade.market) })
    }
    return { ...previous, trades: [trade, ...previous.trades].slice(0, tradeFeedLimit) }
  })
}
