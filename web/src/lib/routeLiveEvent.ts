import type { QueryClient } from '@tanstack/react-query'
import type { ReceiptEvent, SseEvent } from '../../../shared/api/index.ts'
import { recordBatchTime } from './batchTimes.ts'
import type { OrderbookSync } from './orderbookSync.ts'
import { ordersQueryKey } from './queries.ts'
import { refetchWithoutCancelling } from './refetchWithoutCancelling.ts'
import { forgetStreamedTrades, receiveStreamedTrade } from './tradeFeed.ts'

/** What live events update: the query cache, each market's book sync, receipt listeners. */
export interface RouteLiveEventContext {
  readonly queryClient: QueryClient
  readonly books: ReadonlyMap<string, OrderbookSync>
  /**
   * The registry's market ids: a trade or order event of another market is dropped, so a
   * replica streaming made-up markets makes the app keep nothing for them.
   */
  readonly markets: ReadonlySet<string>
  readonly address: string | undefined
  readonly receiptListeners: ReadonlySet<(receipt: ReceiptEvent) => void>
}

/**
 * Applies one event of the live stream: book deltas to the book syncs, trades to the trade feed,
 * order events to invalidations (all of registry markets only), receipts to the listeners; the
 * batch times of receipts and order events are remembered (`batchTimes.ts`). Returns true at
 * the end of a batch (`applied`) or on a resync (`hello`, `reset`), when balances touched
 * meanwhile are refreshed.
 */
export function routeLiveEvent(event: SseEvent, context: RouteLiveEventContext): boolean {
  const { queryClient, books, address } = context
  switch (event.event) {
    case 'hello':
    case 'reset':
      // A new stream, or a dropped one (events were lost): refetch every snapshot.
      for (const book of books.values()) book.resync()
      forgetStreamedTrades(queryClient)
      queryClient.invalidateQueries({ queryKey: ['trades'] })
      queryClient.invalidateQueries({ queryKey: ['orders'] })
      return true
    case 'book':
      books.get(event.data.market)?.onDelta(event.data)
      return false
    case 'trade': {
      const trade = event.data
      if (!context.markets.has(trade.market)) return false
      receiveStreamedTrade(queryClient, trade)
      const mine =
        address && (trade.maker === address.toLowerCase() || trade.taker === address.toLowerCase())
      if (mine) refreshOrders(queryClient, address, trade.market)
      return false
    }
    case 'order':
      if (!context.markets.has(event.data.market)) return false
      recordBatchTime(queryClient, event.data.index, event.data.time)
      if (address) refreshOrders(queryClient, address, event.data.market)
      return false
    case 'receipt':
      recordBatchTime(queryClient, event.data.index, event.data.time)
      for (const listener of context.receiptListeners) listener(event.data)
      return false
    case 'balance':
      return false
    case 'applied':
      return true
    case 'heartbeat':
      // Kept by the stream itself (its silence timer); never routed here.
      return false
  }
}

/**
 * The address's orders in a market again, after an event changed them: never cancelling a read
 * in flight (an account quoting in every batch would otherwise see none finish), one more read
 * for all the events of the meantime.
 */
function refreshOrders(queryClient: QueryClient, address: string, market: string): void {
  // Never rejects.
  refetchWithoutCancelling(queryClient, ordersQueryKey(address, market)).catch(() => undefined)
}
