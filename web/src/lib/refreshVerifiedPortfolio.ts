import type { QueryClient } from '@tanstack/react-query'
import { verifiedPortfolioQueryKey, type VerifiedPortfolio } from './queries.ts'
import { refetchPending, refetchWithoutCancelling } from './refetchWithoutCancelling.ts'

/**
 * Waits before asking again for a root the stream announced that the check did not find signed
 * by a quorum yet (the other replicas apply the same batch some milliseconds apart).
 */
const rootRetryDelaysMs = [25, 50, 100, 200, 400] as const

/**
 * How long a change waits for a root on the stream before it is checked anyway: a replica hashes
 * a root at each checkpoint, about once a second of sequenced time while batches come, and at
 * the tip once it has applied nothing for a second (no event says so).
 */
const rootWaitMs = 1_100

/** Per query client and address. */
interface RefreshState {
  /** The check this state waits for the end of (`refetchWithoutCancelling`). */
  awaited: Promise<void> | undefined
  /**
   * The least root index that proves a change not proven yet (the first such change's batch);
   * undefined when every change streamed is proven.
   */
  wanted: number | undefined
  /** The last change's batch index. */
  latestChange: number
  /** The highest root index the stream announced. */
  rootSeen: number
  /** Retries taken for `wanted` since its root was announced. */
  retries: number
  timer: ReturnType<typeof setTimeout> | undefined
}

const states = new WeakMap<QueryClient, Map<string, RefreshState>>()

function stateOf(queryClient: QueryClient, address: string): RefreshState {
  const key = address.toLowerCase()
  let byAddress = states.get(queryClient)
  if (byAddress === undefined) states.set(queryClient, (byAddress = new Map()))
  let state = byAddress.get(key)
  if (state === undefined) {
    state = {
      awaited: undefined,
      wanted: undefined,
      latestChange: 0,
      rootSeen: 0,
      retries: 0,
      timer: undefined,
    }
    byAddress.set(key, state)
  }
  return state
}

/** What the stream says that bears on the verified portfolio. */
export interface PortfolioNews {
  /** A batch of this index changed the address's balances. */
  readonly changedAt?: number
  /**
   * The streamed replica hashed its state at this index: a root checkpoint, which every honest
   * replica hashes and signs (`applied` events with a `stateHash`).
   */
  readonly rootAt?: number
}

/**
 * Asks for the verified portfolio (balances and open orders) of `address` again. Without
 * `news`, at once (a new stream, a request that moved). With it, only when a check can prove
 * something new: a change is proven by the first root at or after its batch that a quorum
 * signed, so it is checked when the stream announces such a root (then again a few times,
 * spaced out, until a quorum has signed it), at each new root while a change is unproven, or
 * after `rootWaitMs` if none is announced; not at every batch that touches the address, which
 * under steady fills was a check (8 reads and a BLS verification) a batch, nearly all of them
 * of a root already proven. The stream is one replica's word: one that announces roots that
 * never come, or changes far ahead, costs a check (of the statuses only, `provenAtRoot`) every
 * `rootWaitMs` at most. A check that is running is never cancelled
 * (`refetchWithoutCancelling`).
 */
export function refreshVerifiedPortfolio(
  queryClient: QueryClient,
  address: string,
  news?: PortfolioNews,
): void {
  const state = stateOf(queryClient, address)
  if (news === undefined) return check(queryClient, address, state)
  // Only what moves `wanted` or `rootSeen` can make a check worth it: a root announced before
  // is being checked already, or was found unsigned and is being asked again.
  let moved = false
  if (news.changedAt !== undefined) {
    state.latestChange = Math.max(state.latestChange, news.changedAt)
    if (state.wanted === undefined) {
      state.wanted = news.changedAt
      state.retries = 0
      moved = true
    }
  }
  if (news.rootAt !== undefined && news.rootAt > state.rootSeen) {
    state.rootSeen = news.rootAt
    state.retries = 0
    moved = true
  }
  if (!moved || state.wanted === undefined) return
  if (state.rootSeen >= state.wanted) return check(queryClient, address, state)
  state.timer ??= setTimeout(() => check(queryClient, address, state), rootWaitMs)
}

/**
 * Forgets the roots the stream announced: a new stream may come from another replica, whose
 * word is its own.
 */
export function forgetAnnouncedRoots(queryClient: QueryClient, address: string): void {
  const state = stateOf(queryClient, address)
  state.rootSeen = 0
  state.retries = 0
}

function check(queryClient: QueryClient, address: string, state: RefreshState): void {
  clearTimeout(state.timer)
  state.timer = undefined
  const queryKey = verifiedPortfolioQueryKey(address)
  const fetched = refetchWithoutCancelling(queryClient, queryKey)
  if (fetched === state.awaited) return
  state.awaited = fetched
  // Never rejects (a failed check lands in the query's state).
  fetched
    .then(() => {
      if (state.awaited === fetched) state.awaited = undefined
      // Another check owed or running decides what follows when it ends.
      if (refetchPending(queryClient, queryKey)) return
      const proven = queryClient.getQueryData<VerifiedPortfolio>(queryKey)?.index ?? 0
      if (state.wanted === undefined) return
      if (proven >= state.latestChange) {
        state.wanted = undefined
        return
      }
      // Changes up to the proven root are proven; the next root can prove the others.
      if (proven >= state.wanted) {
        state.wanted = proven + 1
        state.retries = 0
      }
      // Announced but not yet signed by a quorum: soon. Not announced: wait for it, or check
      // after `rootWaitMs`.
      const delay = state.rootSeen >= state.wanted ? rootRetryDelaysMs[state.retries] : undefined
      if (delay !== undefined) state.retries += 1
      clearTimeout(state.timer)
      state.timer = setTimeout(() => check(queryClient, address, state), delay ?? rootWaitMs)
    })
    .catch(() => undefined)
}
