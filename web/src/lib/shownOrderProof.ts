import type { MarketInfo, OrderView } from '../../../shared/api/index.ts'
import type { VerifiedPortfolio } from './queries.ts'
import type { ProvenOrder } from './verifyPortfolioAtRoot.ts'

/** What an open order's badge says about the order as the table shows it. */
export type ShownOrderProof =
  /** The root proves the order open with exactly the fields shown. */
  | { readonly state: 'verified'; readonly proven: ProvenOrder }
  /** Not checked against a root yet: placed or changed after the proven root, or not yet listed. */
  | { readonly state: 'verifying'; readonly why: string }
  /** The root shows the order closed (or absent): the listing shown is older than the root. */
  | { readonly state: 'not_open'; readonly proven: ProvenOrder }
  /** The root proves other fields than shown for an order unchanged since: the list is false. */
  | { readonly state: 'differs'; readonly proven: ProvenOrder }
  /** No proof tied the order to a quorum root (a false value, no proof, no quorum). */
  | { readonly state: 'unverified'; readonly proven: ProvenOrder | undefined; readonly why: string }

/**
 * How an open order, as the orders table shows it (`GET /orders` of one replica, at whatever
 * index that replica stands), stands against the portfolio check (`verifyPortfolioAtRoot`, at
 * the latest root a quorum signed): verified only when the proven leaf has the same market,
 * side, price, size, remaining size, owner and placement batch as the row. An order placed or
 * changed after the root is waiting for the next one. Pure.
 */
export function shownOrderProof(
  order: OrderView,
  market: MarketInfo,
  portfolio: VerifiedPortfolio | undefined,
): ShownOrderProof {
  const index = portfolio?.index
  if (portfolio === undefined || index === undefined) {
    return { state: 'verifying', why: 'not checked yet' }
  }
  if (order.updatedIndex > index) {
    return { state: 'verifying', why: `changed at batch #${order.updatedIndex}, after the root` }
  }
  const proven = portfolio.byOrder[order.orderId]
  if (proven === undefined) {
    return portfolio.ordersTruncated
      ? { state: 'unverified', proven, why: 'beyond the page of open orders checked' }
      : { state: 'verifying', why: 'not listed when the root was checked' }
  }
  if (proven.verified && proven.value !== undefined) {
    return leafMatches(proven.value, order, market)
      ? { state: 'verified', proven }
      : { state: 'differs', proven }
  }
  if (proven.notOpen) return { state: 'not_open', proven }
  const why =
    proven.falseValues.length > 0
      ? `${proven.falseValues.join(', ')} served an order that does not match the quorum root`
      : `no proof tied to a root signed by ${proven.quorum} of ${proven.n}`
  return { state: 'unverified', proven, why }
}

/**
 * Whether the order's state leaf (`market side priceTicks owner orderType lots originalLots
 * placedIndex placedPosition`, `orderLeaf` of `shared/exchange`) is the order shown, with the
 * market's grid turning ticks and lots into base units.
 */
function leafMatches(value: string, order: OrderView, market: MarketInfo): boolean {
  const [leafMarket, side, priceTicks, owner, , lots, originalLots, placedIndex] = value.split(' ')
  if (leafMarket !== order.market || market.id !== order.market) return false
  const units = (count: string | undefined, step: string) =>
    count !== undefined && /^\d+$/.test(count) ? BigInt(count) * BigInt(step) : undefined
  return (
    side === order.side &&
    owner === order.owner &&
    placedIndex === String(order.placedIndex) &&
    units(priceTicks, market.tickQuoteUnitsPerBaseToken) === BigInt(order.price) &&
    units(originalLots, market.lotBaseUnits) === BigInt(order.quantity) &&
    units(lots, market.lotBaseUnits) === BigInt(order.remaining)
  )
}
