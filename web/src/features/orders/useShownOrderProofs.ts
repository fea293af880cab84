import { useEffect, useState } from 'react'
import type { MarketInfo, OrderView } from '../../../../shared/api/index.ts'
import type { VerifiedPortfolio } from '../../lib/queries.ts'
import {
  shownOrderProof,
  type OrderListing,
  type ShownOrderProof,
} from '../../lib/shownOrderProof.ts'
import { nextListingWait, notWaiting, waitedFor } from './listingWait.ts'

/** Pause before asking again for a list that rows wait on (the replica may be a batch behind). */
const listingRetryMs = 1000

/**
 * The badges of the open orders shown (`shownOrderProof`). While a row waits on a newer list
 * (listed before the root, or missing from the list the root check proved) the list is asked
 * for again, a second after each one arrives, for up to `listingRefetchesMax` lists; then the
 * rows are judged against the root as they are (`waitedFor`), naming the listing replica, so a
 * replica that keeps serving an old or differing list cannot keep them "verifying".
 */
export function useShownOrderProofs(parameters: {
  readonly open: readonly OrderView[]
  readonly market: MarketInfo
  readonly listing: Omit<OrderListing, 'waitedFor'>
  readonly portfolio: VerifiedPortfolio | undefined
  /** When the list shown arrived (its query's `dataUpdatedAt`). */
  readonly listedAt: number
  /** The list query's `refetch` (stable: a new function each render would delay it forever). */
  readonly refetch: (options: { cancelRefetch: boolean }) => Promise<unknown>
}): ShownOrderProof[] {
  const { open, market, listing, portfolio, listedAt, refetch } = parameters
  const waiting = open.some((order) => {
    const shown = shownOrderProof(order, market, listing, portfolio)
    return shown.state === 'verifying' && shown.waitsFor === 'listing'
  })
  const [wait, setWait] = useState(notWaiting)
  useEffect(() => setWait((last) => nextListingWait(last, waiting, listedAt)), [waiting, listedAt])
  const given = waiting && waitedFor(wait)
  useEffect(() => {
    if (!waiting || given) return
    const timer = setTimeout(() => {
      // A request in flight is joined, not cancelled: it may be the newer list.
      refetch({ cancelRefetch: false }).catch((error: unknown) =>
        console.error('Listing open orders failed:', error),
      )
    }, listingRetryMs)
    return () => clearTimeout(timer)
  }, [waiting, given, wait, refetch])
  return open.map((order) =>
    shownOrderProof(order, market, { ...listing, waitedFor: given }, portfolio),
  )
}
