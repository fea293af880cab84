import type { MarketInfo, OrderView } from '../../../shared/api/index.ts'
import { toOrderType } from '../../../shared/orderbook/index.ts'
import { isBeyondQuorum } from './beyondQuorum.ts'
import type { VerifiedPortfolio } from './queries.ts'
import type { ProvenOrder } from './verifyPortfolioAtRoot.ts'

/** What an open order's badge says about the order as the table shows it. */
export type ShownOrderProof =
  /** The root proves the order open with exactly the fields shown. */
  | { readonly state: 'verified'; readonly proven: ProvenOrder }
  /**
   * Not settled against the root yet: placed or changed after it (`root`: the next root
   * settles it), or listed before it or not in the list the root check proved (`listing`: a
   * newer list settles it, which the app asks for a few times, see `OrderListing.waitedFor`).
   */
  | { readonly state: 'verifying'; readonly why: string; readonly waitsFor: 'root' | 'listing' }
  /**
   * The replica that listed the order shows it open with fields the root does not prove (other
   * ones, or no open order at all) though it has not changed since the root (or says it changed
   * at a batch far beyond any a quorum had applied): that replica served a false order, or
   * (`listedBehind`, its list's batch) keeps serving a list from before the root.
   */
  | {
      readonly state: 'differs'
      readonly proven: ProvenOrder
      readonly listedBy: string
      readonly listedBehind?: number
    }
  /** No proof tied the order to a quorum root (a false value, no proof, no quorum). */
  | { readonly state: 'unverified'; readonly proven: ProvenOrder | undefined; readonly why: string }

/** Who served the list of orders the table shows, and at which applied index. */
export interface OrderListing {
  readonly replicaId: string
  readonly index: number
  /**
   * The list was asked for again as often as the app waits for a newer one while rows wait on
   * it (`waitsFor: 'listing'`): they are judged against the root as they are, so a replica that
   * keeps serving an old or differing list cannot keep them waiting.
   */
  readonly waitedFor?: boolean
}

/**
 * How an open order, as the orders table shows it (`GET /orders` of one replica, `listing`),
 * stands against the portfolio check (`verifyPortfolioAtRoot`, at the latest root a quorum
 * signed): verified only when the proven leaf has the same market, side, price, size, filled
 * and remaining size, type, owner and placement batch as the row, every column the badge
 * stands beside. An order placed or changed after the root waits for the next check; but not a
 * change at a batch far beyond what a quorum had applied at the check (`isBeyondQuorum`): that
 * batch is the listing replica's word, and the row is judged against the root as it is. A row
 * listed before the root, or missing from the list the check proved, waits for a newer list
 * until the app stops waiting (`waitedFor`): then it differs, or is unverified, naming the
 * listing replica. Pure.
 */
export function shownOrderProof(
  order: OrderView,
  market: MarketInfo,
  listing: OrderListing,
  portfolio: VerifiedPortfolio | undefined,
): ShownOrderProof {
  const index = portfolio?.index
  if (portfolio === undefined || index === undefined) {
    return { state: 'verifying', why: 'not checked yet', waitsFor: 'root' }
  }
  if (order.updatedIndex > index && !isBeyondQuorum(order.updatedIndex, portfolio.appliedIndex)) {
    const why = `changed at batch #${order.updatedIndex}, after the root`
    return { state: 'verifying', why, waitsFor: 'root' }
  }
  const behind = listing.index < index
  const proven = portfolio.byOrder[order.orderId]
  if (proven === undefined) {
    if (portfolio.ordersTruncated) {
      return { state: 'unverified', proven, why: 'beyond the pages of open orders checked' }
    }
    if (!listing.waitedFor) {
      return {
        state: 'verifying',
        why: 'not listed when the root was checked',
        waitsFor: 'listing',
      }
    }
    const why = behind
      ? `${listing.replicaId} lists it at batch #${listing.index}, behind the root at #${index}`
      : `${listing.replicaId} lists it, but ${portfolio.ordersListedBy ?? 'no replica'}'s list ` +
        'of open orders at the root does not'
    return { state: 'unverified', proven, why }
  }
  if (proven.verified && proven.value !== undefined && leafMatches(proven.value, order, market)) {
    return { state: 'verified', proven }
  }
  if (proven.verified || proven.notOpen) {
    // The root settles the order: the row is false, unless it was listed before the root and
    // a newer list may still come.
    if (behind && !listing.waitedFor) {
      const why = `listed at batch #${listing.index}, before the root`
      return { state: 'verifying', why, waitsFor: 'listing' }
    }
    return {
      state: 'differs',
      proven,
      listedBy: listing.replicaId,
      ...(behind ? { listedBehind: listing.index } : {}),
    }
  }
  const why =
    proven.falseValues.length > 0
      ? `${proven.falseValues.join(', ')} served an order that does not match the quorum root`
      : `no proof tied to a root signed by ${proven.quorum} of ${proven.n}`
  return { state: 'unverified', proven, why }
}

/**
 * Whether the order's state leaf (`market side priceTicks owner orderType lots originalLots
 * placedIndex placedPosition`, `orderLeaf` of `shared/exchange`) is the open order shown, with
 * the market's grid turning ticks and lots into base units: its type and time in force make the
 * leaf's order type, and what is filled of it is its size less what rests.
 */
function leafMatches(value: string, order: OrderView, market: MarketInfo): boolean {
  const [leafMarket, side, priceTicks, owner, orderType, lots, originalLots, placedIndex] =
    value.split(' ')
  if (leafMarket !== order.market || market.id !== order.market) return false
  const units = (count: string | undefined, step: string) =>
    count !== undefined && /^\d+$/.test(count) ? BigInt(count) * BigInt(step) : undefined
  const quantity = units(originalLots, market.lotBaseUnits)
  const remaining = units(lots, market.lotBaseUnits)
  return (
    order.status === 'open' &&
    side === order.side &&
    owner === order.owner &&
    orderType === toOrderType(order.type, order.timeInForce) &&
    placedIndex === String(order.placedIndex) &&
    units(priceTicks, market.tickQuoteUnitsPerBaseToken) === BigInt(order.price) &&
    quantity !== undefined &&
    remaining !== undefined &&
    quantity === BigInt(order.quantity) &&
    remaining === BigInt(order.remaining) &&
    quantity - remaining === BigInt(order.filled)
  )
}
