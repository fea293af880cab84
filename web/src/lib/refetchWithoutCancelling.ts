import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query'

/** Per query client and query: the refetch running, and the one owed after it. */
interface RefetchState {
  running: Promise<void> | undefined
  /** The running refetch is still waiting on a fetch it joined: its own fetch is yet to start. */
  joining: boolean
  owed: Promise<void> | undefined
}

const states = new WeakMap<QueryClient, Map<string, RefetchState>>()

function stateOf(queryClient: QueryClient, queryKey: QueryKey): RefetchState {
  let byKey = states.get(queryClient)
  if (byKey === undefined) states.set(queryClient, (byKey = new Map()))
  const hash = hashKey(queryKey)
  let state = byKey.get(hash)
  if (state === undefined) {
    byKey.set(hash, (state = { running: undefined, joining: false, owed: undefined }))
  }
  return state
}

/**
 * Fetches the query again for a change the caller heard of, without ever cancelling a fetch in
 * flight: a plain invalidation cancels it and starts over, so a query invalidated more often
 * than it takes to fetch (orders under steady fills, a portfolio check of many reads and a BLS
 * verification) would never finish one. A fetch in flight that started before the change is
 * joined, then one more is made; a change heard of while that runs is owed, and every owed
 * change together is one more fetch when it ends. Resolves once a fetch that started after the
 * call has ended (failed fetches land in the query's state; this never rejects). An inactive
 * query is only marked stale, as an invalidation does.
 */
export function refetchWithoutCancelling(
  queryClient: QueryClient,
  queryKey: QueryKey,
): Promise<void> {
  const state = stateOf(queryClient, queryKey)
  if (state.owed !== undefined) return state.owed
  // Its own fetch starts after this change: it covers it.
  if (state.running !== undefined && state.joining) return state.running
  if (state.running !== undefined) {
    const owed = state.running.then(() => {
      state.owed = undefined
      return start()
    })
    state.owed = owed
    return owed
  }
  return start()

  function start(): Promise<void> {
    const invalidate = () =>
      queryClient
        .invalidateQueries({ queryKey, exact: true }, { cancelRefetch: false })
        .catch(() => undefined)
    const run = (async () => {
      state.joining = queryClient.isFetching({ queryKey, exact: true }) > 0
      if (state.joining) await invalidate()
      state.joining = false
      await invalidate()
    })().finally(() => {
      if (state.running === run) state.running = undefined
    })
    state.running = run
    return run
  }
}

/** Whether a refetch of the query is running or owed (`refetchWithoutCancelling`). */
export function refetchPending(queryClient: QueryClient, queryKey: QueryKey): boolean {
  const state = stateOf(queryClient, queryKey)
  return state.running !== undefined || state.owed !== undefined
}
