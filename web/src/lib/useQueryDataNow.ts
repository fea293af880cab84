import { hashKey, useQueryClient, type QueryKey } from '@tanstack/react-query'
import { useCallback, useSyncExternalStore } from 'react'

/**
 * A query's data as the cache holds it, rendered in the same task as the cache changes: a store
 * subscription (`useSyncExternalStore`) on the query cache, whose listeners are told at once.
 * `useQuery` tells its component a task later (TanStack batches notifications behind a
 * `setTimeout(0)`, and React then renders at default priority), so the trades of a streamed
 * batch would reach the chart and the tape a task, often a frame, after the book of the same
 * batch. Fetching, retries and errors stay with the component's `useQuery` of the same key.
 * Scheduling every query's notifications in a microtask instead (`notifyManager.setScheduler`)
 * did not do it: in `bench:browser` the chart's data still came 3 ms after the book's, in
 * another render, and every panel repainted later.
 */
export function useQueryDataNow<T>(queryKey: QueryKey): T | undefined {
  const client = useQueryClient()
  const hash = hashKey(queryKey)
  const subscribe = useCallback(
    (onChange: () => void) =>
      client.getQueryCache().subscribe((event) => {
        if (event.query.queryHash === hash) onChange()
      }),
    [client, hash],
  )
  const data = useCallback(
    () => client.getQueryCache().get(hash)?.state.data as T | undefined,
    [client, hash],
  )
  return useSyncExternalStore(subscribe, data)
}
