import { queryOptions, type QueryClient } from '@tanstack/react-query'
import type { OrderView } from '../../../shared/api/index.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

/*
 * Batch times (`batchTimeSchema`) the app learned, one query per batch index. The stream's
 * receipts and order events about the user carry their batch's time, so the batches that placed
 * or changed the user's orders are known without a request; an order placed before the app
 * opened asks `GET /tx/:orderId` (an order's id is its intent's id) once. A batch's time never
 * changes, so nothing here goes stale.
 */

export const batchTimeQueryKey = (index: number) => ['batchTime', index] as const

/** Remembers that batch `index` has time `time` (from a stream event or an answer). */
export function recordBatchTime(client: QueryClient, index: number, time: number): void {
  if (client.getQueryData(batchTimeQueryKey(index)) === undefined) {
    client.setQueryData(batchTimeQueryKey(index), time)
  }
}

/**
 * The time of batch `index`, known or asked of `replica` as the time of `intentId`'s receipt,
 * which that batch applied or rejected. Null when the replica kept no time for it.
 */
export function batchTimeQueryOptions(
  replica: ReplicaRef | undefined,
  index: number,
  intentId: string,
) {
  return queryOptions({
    queryKey: batchTimeQueryKey(index),
    queryFn: async ({ signal }): Promise<number | null> =>
      (await replicaApi.tx(replica!, intentId, signal)).time ?? null,
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
