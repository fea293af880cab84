import { isFinal, type TrackedRequest } from '../requests/requestsState.ts'

/** What the user's cancels under way are cancelling in one market. */
export interface Cancelling {
  /** A cancel-all of the market is under way. */
  readonly all: boolean
  /** Orders with a cancel of their own under way. */
  readonly orderIds: ReadonlySet<string>
}

/**
 * The cancels of `market` still on their way (in the wallet, sent, finalized, not yet applied
 * or refused): their rows say "Cancelling…" until the order leaves the list or the cancel ends.
 */
export function cancellingIn(requests: readonly TrackedRequest[], market: string): Cancelling {
  const orderIds = new Set<string>()
  let all = false
  for (const request of requests) {
    if (isFinal(request.stage) || request.market !== market) continue
    if (request.action === 'cancelAll') all = true
    if (request.action === 'cancel' && request.orderId !== undefined) orderIds.add(request.orderId)
  }
  return { all, orderIds }
}
