import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react'
import type { ReceiptEvent, SseEvent, TradesResponse } from '../../../shared/api/index.ts'
import { OrderbookSync, type OrderbookView } from './orderbookSync.ts'
import { ordersQueryKey, tradesQueryKey } from './queries.ts'
import { refreshVerifiedBalances } from './refreshVerifiedBalances.ts'
import type { AppRegistry } from './registry.ts'
import type { ReplicaRef } from './replicaClient.ts'
import { ReplicaEvents, type StreamStatus } from './replicaEvents.ts'

/** The live data of the app: one SSE stream, the books it keeps in sync, receipt listeners. */
export interface Live {
  readonly events: ReplicaEvents
  readonly books: ReadonlyMap<string, OrderbookSync>
  /** Calls `listener` for every receipt about the connected address. */
  onReceipt(listener: (receipt: ReceiptEvent) => void): () => void
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
    const books = new Map<string, OrderbookSync>()
    let dirtyBalances = false
    const events: ReplicaEvents = new ReplicaEvents({
      replicas: registry.replicas,
      address,
      onEvent: (event) => {
        const flush = routeEvent(event, { queryClient, books, address, receiptListeners })
        if (event.event === 'balance') dirtyBalances = true
        if (flush && dirtyBalances && address) {
          dirtyBalances = false
          refreshVerifiedBalances(queryClient, address)
        }
      },
    })
    for (const market of registry.markets) {
      books.set(market.id, new OrderbookSync(market.id, () => events.currentReplica()))
    }
    events.start()
    setLive({
      events,
      books,
      onReceipt(listener) {
        receiptListeners.add(listener)
        return () => receiptListeners.delete(listener)
      },
    })
    return () => {
      events.stop()
      for (const book of books.values()) book.stop()
    }
  }, [registry, address, queryClient])

  if (live === undefined) return null
  return <LiveContext.Provider value={live}>{props.children}</LiveContext.Provider>
}

interface RouteContext {
  readonly queryClient: QueryClient
  readonly books: ReadonlyMap<string, OrderbookSync>
  readonly address: string | undefined
  readonly receiptListeners: ReadonlySet<(receipt: ReceiptEvent) => void>
}

/** Applies one event; returns true at the end of a batch (`applied`) or on a resync. */
function routeEvent(event: SseEvent, context: RouteContext): boolean {
  const { queryClient, books, address } = context
  switch (event.event) {
    case 'hello':
    case 'reset':
      // A new stream, or a dropped one (events were lost): refetch every snapshot.
      for (const book of books.values()) book.resync()
      queryClient.invalidateQueries({ queryKey: ['trades'] })
      queryClient.invalidateQueries({ queryKey: ['orders'] })
      return true
    case 'book':
      books.get(event.data.market)?.onDelta(event.data)
      return false
    case 'trade': {
      const trade = event.data
      queryClient.setQueryData<TradesResponse>(tradesQueryKey(trade.market), (previous) => {
        if (previous === undefined) return previous
        const top = previous.trades[0]?.seq ?? 0
        if (trade.seq <= top) return previous
        if (trade.seq !== top + 1 && top !== 0) {
          // A missed trade: refetch rather than show a hole.
          queryClient.invalidateQueries({ queryKey: tradesQueryKey(trade.market) })
        }
        return { ...previous, trades: [trade, ...previous.trades].slice(0, 40) }
      })
      const mine =
        address && (trade.maker === address.toLowerCase() || trade.taker === address.toLowerCase())
      if (mine) queryClient.invalidateQueries({ queryKey: ordersQueryKey(address, trade.market) })
      return false
    }
    case 'order':
      if (address) {
        queryClient.invalidateQueries({ queryKey: ordersQueryKey(address, event.data.market) })
      }
      return false
    case 'receipt':
      for (const listener of context.receiptListeners) listener(event.data)
      return false
    case 'balance':
      return false
    case 'applied':
      return true
  }
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

/** The replica the app reads from and writes to: the one the stream is attached to. */
export function usePrimaryReplica(registry: AppRegistry): ReplicaRef | undefined {
  const status = useStreamStatus()
  return useMemo(
    () => registry.replicas.find((replica) => replica.id === status.replicaId),
    [registry, status.replicaId],
  )
}

const emptyView: OrderbookView = { status: 'loading', book: undefined, gaps: 0 }
const noop = () => () => {}

/** One market's live book. */
export function useOrderbook(market: string): OrderbookView {
  const { books } = useLive()
  const sync = books.get(market)
  return useSyncExternalStore(sync?.subscribe ?? noop, sync?.getView ?? (() => emptyView))
}
