import { queryOptions, type QueryClient } from '@tanstack/react-query'
import type { OrderView } from '../../../shared/api/index.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

/*
 * Batch times (`batchTimeSchema`) the app learned. The stream's receipts and order events about
 * the user carry their batch's time, so the batches that placed or changed the user's orders are
 * known without a request: those are kept here, the newest `streamedTimesMax` per query client
 * (an account quoting in every batch tells several a second; one query per batch would grow the
 * query cache by as many, and every scan of it with them). An order whose placing batch is not
 * among them asks `GET /tx/:orderId` (an order's id is its intent's id) once, one query per order
 * listed. A batch's time never changes, so nothing here goes stale.
 */

/** Streamed batch times kept per query client; past it the oldest quarter is dropped. */
export const streamedTimesMax = 4_096

const streamedTimes = new WeakMap<QueryClient, Map<number, number>>()

const batchTimeQueryKey = (index: number) => ['batchTime', index] as const

/** Remembers that batch `index` has time `time` (from a stream event). */
export function recordBatchTime(client: QueryClient, index: number, time: number): void {
  let times = streamedTimes.get(client)
  if (times === undefined) streamedTimes.set(client, (times = new Map()))
  if (times.has(index)) return
  times.set(index, time)
  if (times.size <= streamedTimesMax) return
  // The oldest told first (the stream's order): a quarter in one pass, not one per event.
  let excess = times.size - (streamedTimesMax * 3) / 4
  for (const oldest of times.keys()) {
    if (excess-- <= 0) break
    times.delete(oldest)
  }
}

/** The time of batch `index` if the stream told it (and it is among the newest kept). */
export function streamedBatchTime(client: QueryClient, index: number): number | undefined {
  return streamedTimes.get(client)?.get(index)
}

/**
 * The time of batch `index`: told by the stream, else asked of `replica` as the time of
 * `intentId`'s receipt, which that batch applied or rejected. Null when the replica kept no time
 * for it.
 */
export function batchTimeQueryOptions(
  client: QueryClient,
  replica: ReplicaRef | undefined,
  index: number,
  intentId: string,
) {
  return queryOptions({
    queryKey: batchTimeQueryKey(index),
    queryFn: async ({ signal }): Promise<number | null> =>
      (await replicaApi.tx(replica!, intentId, signal)).time ?? null,
    initialData: () => streamedBatchTime(client, index),
    enabled: replica !== undefined,
    staleTime: Infinity,
    gcTime: 30 * 60_000,
    retry: 1,
  })
}

/** When an order was placed and last changed, as far as it tells by itself. */
export interface OrderTimes {
  readonly placed: number | undefined
  readonly updated: number | undefined
}

/**
 * An order's times from its own fills and the batch times known (`timeOf`): a fill carries its
 * batch's time, so an order filled when placed or at its last change needs no lookup.
 */
export function selectOrderTimes(
  order: Pick<OrderView, 'placedIndex' | 'updatedIndex' | 'fills'>,
  timeOf: (index: number) => number | undefined,
): OrderTimes {
  const fillTime = (index: number) => order.fills.find((fill) => fill.index === index)?.time
  return {
    placed: timeOf(order.placedIndex) ?? fillTime(order.placedIndex),
    updated: timeOf(order.updatedIndex) ?? fillTime(order.updatedIndex),
  }
}
