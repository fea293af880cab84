import type { QueryClient } from '@tanstack/react-query'
import { verifiedPortfolioQueryKey } from './queries.ts'

/** Per query client and address: whether a refresh is running, and whether another is owed. */
interface RefreshState {
  running: boolean
  owed: boolean
}

const states = new WeakMap<QueryClient, Map<string, RefreshState>>()

/**
 * Asks for the verified portfolio (balances and open orders) of `address` again after a batch
 * touched its balances (every placement, fill and cancel does), without ever cancelling a check
 * that is running: each check fetches from every replica and verifies BLS signatures, and a
 * plain invalidation cancels it, so under steady fills no check would ever finish. A refresh
 * asked for while one runs is owed, and every owed refresh together becomes one more check when
 * the running one ends, so the latest batch is always checked.
 */
export function refreshVerifiedPortfolio(queryClient: QueryClient, address: string): void {
  const key = address.toLowerCase()
  let byAddress = states.get(queryClient)
  if (byAddress === undefined) states.set(queryClient, (byAddress = new Map()))
  let state = byAddress.get(key)
  if (state === undefined) byAddress.set(key, (state = { running: false, owed: false }))
  if (state.running) {
    state.owed = true
    return
  }
  const current = state
  const queryKey = verifiedPortfolioQueryKey(address)
  current.running = true
  // A check already in flight (a poll, the first load) started before this batch: it is joined,
  // not cancelled (`cancelRefetch: false`), and one more check is owed after it.
  current.owed = queryClient.isFetching({ queryKey }) > 0
  // The promise settles when the joined or new check ends; TanStack's invalidation never
  // rejects (a failed check lands in the query's state).
  queryClient
    .invalidateQueries({ queryKey }, { cancelRefetch: false })
    .catch(() => undefined)
    .finally(() => {
      current.running = false
      if (current.owed) refreshVerifiedPortfolio(queryClient, address)
    })
}
