import { useQueryClient } from '@tanstack/react-query'
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react'
import type { ReceiptEvent, SseEvent } from '../../../shared/api/index.ts'
import { MarketDataCheck, type FalseMarketData } from './marketDataCheck.ts'
import { OrderbookSync, type OrderbookView } from './orderbookSync.ts'
import { verifiedPortfolioQueryKey, type VerifiedPortfolio } from './queries.ts'
import { forgetAnnouncedRoots, refreshVerifiedPortfolio } from './refreshVerifiedPortfolio.ts'
import type { AppRegistry } from './registry.ts'
import type { ReplicaRef } from './replicaClient.ts'
import { ReplicaEvents, type StreamStatus } from './replicaEvents.ts'
import { routeLiveEvent } from './routeLiveEvent.ts'
import { watchFetchedTrades } from './tradeFeed.ts'
import { recordStreamedBalance } from './streamedBalances.ts'
import { useReplicaStatuses } from './useReplicaStatuses.ts'

/** The live data of the app: one SSE stream, the books it keeps in sync, receipt listeners. */
export interface Live {
  readonly events: ReplicaEvents
  readonly books: ReadonlyMap<string, OrderbookSync>
  /** The streamed books and trades checked against the other replicas'. */
  readonly marketDataCheck: MarketDataCheck
  /** Calls `listener` for every receipt about the connected address. */
  onReceipt(listener: (receipt: ReceiptEvent) => void): () => void
  /** Calls `listener` for every event of the stream, after it was routed. */
  onEvent(listener: (event: SseEvent) => void): () => void
}

const LiveContext = createContext<Live | undefined>(undefined)

/**
 * Opens the live stream for `address` (or anonymously) and routes its events: book deltas to
 * the book syncs, trades into the trades cache, and order, balance and receipt events to
 * invalidations and listeners. A new `hello` (every reconnection, every replica switch) and a
 * `reset` (the replica dropped a stream that fell behind) resync everything from snapshots.
 */
export function LiveProvider(props: {
  registry: AppRegistry
  address: string | undefined
  children: ReactNode
}) {
  const { registry, address } = props
  const queryClient = useQueryClient()
  const [live, setLive] = useState<Live>()

  useEffect(() => {
    const receiptListeners = new Set<(receipt: ReceiptEvent) => void>()
    const eventListeners = new Set<(event: SseEvent) => void>()
    const books = new Map<string, OrderbookSync>()
    /** The batch whose balance events are being received, if one touched the address. */
    let changedAt: number | undefined
    const tokens = new Set(registry.tokens.map((token) => token.symbol))
    const markets = new Set(registry.markets.map((market) => market.id))
    const marketDataCheck = new MarketDataCheck({
      replicas: registry.replicas,
      quorum: registry.quorum,
      markets: registry.markets.map((market) => market.id),
      // Moves the stream only while it is still on the liar.
      onFalse: (value) => {
        if (events.currentReplica()?.id === value.replicaId) events.failover()
      },
    })
    const events: ReplicaEvents = new ReplicaEvents({
      replicas: registry.replicas,
      quorum: registry.quorum,
      address,
      onEvent: (event, replica) => {
        if (event.event === 'trade' && markets.has(event.data.market)) {
          marketDataCheck.shownTrade(event.data, replica.id)
        }
        const context = { queryClient, books, markets, address, receiptListeners }
        const flush = routeLiveEvent(event, context)
        if (event.event === 'balance') {
          changedAt = event.data.index
          // Shown at once, marked as being verified, while its proof against a quorum root follows.
          if (address) {
            const verified = queryClient.getQueryData<VerifiedPortfolio>(
              verifiedPortfolioQueryKey(address),
            )
            recordStreamedBalance(queryClient, address, event.data, { tokens, verified })
          }
        }
        // The end of a batch (or a resync): its book deltas show together, at once.
        if (event.event === 'applied') for (const book of books.values()) book.flush()
        if (address && event.event === 'applied') {
          // A change is proven by a root at or after its batch, and a root can only be new
          // where the replica hashed its state: the portfolio is checked there (or after a
          // wait), not at every batch.
          const rootAt = event.data.stateHash === undefined ? undefined : event.data.index
          if (changedAt !== undefined || rootAt !== undefined) {
            refreshVerifiedPortfolio(queryClient, address, { changedAt, rootAt })
          }
          changedAt = undefined
        } else if (address && flush) {
          // A new stream (`hello`) or a dropped one (`reset`): changes may have been missed.
          changedAt = undefined
          forgetAnnouncedRoots(queryClient, address)
          refreshVerifiedPortfolio(queryClient, address)
        }
        for (const listener of eventListeners) listener(event)
      },
    })
    for (const market of registry.markets) {
      const sync = new OrderbookSync(market.id, () => events.currentReplica())
      books.set(market.id, sync)
      // Each publication of the book (a batch's end, a snapshot loaded) is checked.
      sync.subscribe(() => {
        const synced = sync.syncedBook()
        if (synced !== undefined) {
          marketDataCheck.streamedBook(market.id, synced.book, synced.replicaId)
        }
      })
    }
    // The pages of trades the screen fetched: the feed's, the chart's history.
    const stopWatchingTrades = watchFetchedTrades(queryClient, (replicaId, market, trades) => {
      if (markets.has(market)) marketDataCheck.shownPage(market, trades, replicaId)
    })
    events.start()
    marketDataCheck.start()
    setLive({
      events,
      books,
      marketDataCheck,
      onReceipt(listener) {
        receiptListeners.add(listener)
        return () => receiptListeners.delete(listener)
      },
      onEvent(listener) {
        eventListeners.add(listener)
        return () => eventListeners.delete(listener)
      },
    })
    return () => {
      events.stop()
      marketDataCheck.stop()
      stopWatchingTrades()
      for (const book of books.values()) book.stop()
    }
  }, [registry, address, queryClient])

  // Every `/status` poll tells the stream where the replicas are: a stream that stopped
  // delivering without an error (a hung replica, a half-open connection) fails over.
  const statuses = useReplicaStatuses(registry)
  useEffect(() => {
    live?.events.observeReplicas(
      statuses.map((health) => ({
        id: health.id,
        appliedIndex: health.status?.appliedIndex,
        reachable: health.loading ? undefined : health.reachable,
      })),
    )
  }, [live, statuses])

  if (live === undefined) return null
  return <LiveContext.Provider value={live}>{props.children}</LiveContext.Provider>
}

export function useLive(): Live {
  const live = useContext(LiveContext)
  if (live === undefined) throw new Error('useLive outside LiveProvider')
  return live
}

/** Connection state of the live stream. */
export function useStreamStatus(): StreamStatus {
  const { events } = useLive()
  return useSyncExternalStore(events.subscribe, events.getStatus)
}

/**
 * The replica the app reads from and writes to: the one the stream is attached to. Subscribed
 * to the replica's id alone, so the app around it renders when the stream moves, not per batch.
 */
export function usePrimaryReplica(registry: AppRegistry): ReplicaRef | undefined {
  const { events } = useLive()
  const replicaId = useSyncExternalStore(events.subscribe, () => events.getStatus().replicaId)
  return useMemo(
    () => registry.replicas.find((replica) => replica.id === replicaId),
    [registry, replicaId],
  )
}

/** The false books and trades the stream's replicas served, latest first (`marketDataCheck.ts`). */
export function useFalseMarketData(): readonly FalseMarketData[] {
  const { marketDataCheck } = useLive()
  return useSyncExternalStore(marketDataCheck.subscribe, marketDataCheck.getFalse)
}

const emptyView: OrderbookView = { status: 'loading', book: undefined, gaps: 0 }
const noop = () => () => {}

/** One market's live book. */
export function useOrderbook(market: string): OrderbookView {
  const { books } = useLive()
  const sync = books.get(market)
  return useSyncExternalStore(sync?.subscribe ?? noop, sync?.getView ?? (() => emptyView))
}
