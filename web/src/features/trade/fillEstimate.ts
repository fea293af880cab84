import type { OrderView } from '../../../../shared/api/index.ts'
import { bestFirst, type BookLevels } from '../../lib/orderbookState.ts'

/*
 * What an order would do at once against the book this page holds: how much of it fills, at what
 * average price and impact, how much an amount of quote buys or brings, and which of the user's
 * own resting orders it would meet. Estimates: the book may move before the order is applied,
 * and only the levels the page knows are walked.
 */

type Side = 'buy' | 'sell'

/** The immediate part of an order, as the local book would fill it. */
export interface FillEstimate {
  /** Base units filled within the price bound (the rest rests or is cancelled). */
  readonly quantity: bigint
  /** Quote base units paid (buy) or received (sell) for them. */
  readonly quote: bigint
  /** Volume-weighted average price, quote base units per whole base; absent when none fills. */
  readonly averagePrice?: bigint
  /** Average against the best price, in millionths (5,000 = 0.5 %), worse for the taker. */
  readonly impactPpm?: bigint
}

/**
 * The levels an order on one side trades against, best first (asks lowest first for a buy,
 * bids highest first for a sell), as `[price, size]`: sorted once per book (`oppositeLevels`),
 * then walked by the fill estimate, a total's sizing and the self-trade check alike.
 */
export type OppositeLevels = readonly (readonly [price: bigint, size: bigint])[]

/** The side of `book` an order on `side` trades against, best first. */
export function oppositeLevels(
  book: { readonly bids: BookLevels; readonly asks: BookLevels },
  side: Side,
): OppositeLevels {
  const levels = side === 'buy' ? book.asks : book.bids
  const prices = bestFirst([...levels.keys()], side === 'buy' ? 'asks' : 'bids')
  return prices.map((price) => [price, levels.get(price)!] as const)
}

/**
 * `oppositeLevels`, sorted at the first call and kept: the page asks for it at every book update,
 * and only a form with an amount typed walks the levels, so an empty form sorts nothing.
 */
export function oppositeLevelsOnDemand(
  book: { readonly bids: BookLevels; readonly asks: BookLevels },
  side: Side,
): () => OppositeLevels {
  let sorted: OppositeLevels | undefined
  return () => (sorted ??= oppositeLevels(book, side))
}

/** Whether an order on `side` with `limit` (its price or bound) reaches `price`. */
const withinLimit = (side: Side, price: bigint, limit: bigint) =>
  side === 'buy' ? price <= limit : price >= limit

/**
 * The levels an order on `side` reaches with `limit` (its price, or a market order's worst
 * price), best first: asks up to it for a buy, bids down to it for a sell.
 */
function* reachable(opposite: OppositeLevels, side: Side, limit: bigint) {
  for (const level of opposite) {
    if (!withinLimit(side, level[0], limit)) return
    yield level
  }
}

/**
 * Fills `quantity` against `opposite` up to `limit`, level by level, skipping `own` (the user's
 * resting orders on that side, base units by price): self-trade prevention cancels those
 * instead of trading with them.
 */
export function estimateFill(
  opposite: OppositeLevels,
  side: Side,
  quantity: bigint,
  limit: bigint,
  baseDecimals: number,
  own: ReadonlyMap<bigint, bigint> = new Map(),
): FillEstimate {
  const one = 10n ** BigInt(baseDecimals)
  let filled = 0n
  let cost = 0n
  let best: bigint | undefined
  for (const [price, size] of reachable(opposite, side, limit)) {
    if (filled >= quantity) break
    const tradable = size - (own.get(price) ?? 0n)
    if (tradable <= 0n) continue
    best ??= price
    const take = tradable < quantity - filled ? tradable : quantity - filled
    filled += take
    cost += price * take
  }
  if (filled === 0n || best === undefined) return { quantity: 0n, quote: 0n }
  const averagePrice = cost / filled
  const worse = side === 'buy' ? averagePrice - best : best - averagePrice
  return {
    quantity: filled,
    quote: cost / one,
    averagePrice,
    impactPpm: (worse * 1_000_000n) / best,
  }
}

/** `units` rounded down to whole lots of `lotBaseUnits`. */
export function wholeLots(units: bigint, lotBaseUnits: string): bigint {
  const lot = BigInt(lotBaseUnits)
  return (units / lot) * lot
}

/** The base units `quote` (quote base units) pays for at `price`, before rounding to lots. */
export function baseForQuote(quote: bigint, price: bigint, baseDecimals: number): bigint {
  return (quote * 10n ** BigInt(baseDecimals)) / price
}

/**
 * The base units an amount of quote takes from `opposite` up to `limit` (a buy spends it, a
 * sell brings it in), in whole lots, skipping `own` as `estimateFill` does. What the levels
 * within the bound cannot give is left out: the result may be less than the amount asks.
 */
export function quantityForQuote(
  opposite: OppositeLevels,
  side: Side,
  quote: bigint,
  limit: bigint,
  market: { readonly baseDecimals: number; readonly lotBaseUnits: string },
  own: ReadonlyMap<bigint, bigint> = new Map(),
): bigint {
  const one = 10n ** BigInt(market.baseDecimals)
  let left = quote * one
  let quantity = 0n
  for (const [price, size] of reachable(opposite, side, limit)) {
    const tradable = size - (own.get(price) ?? 0n)
    if (tradable <= 0n) continue
    const affordable = left / price
    const take = tradable < affordable ? tradable : affordable
    quantity += take
    left -= take * price
    if (take < tradable) break
  }
  return wholeLots(quantity, market.lotBaseUnits)
}

/** The user's open orders of `market` on the side an order on `side` trades against. */
export function ownOpposite(
  orders: readonly OrderView[],
  market: string,
  side: Side,
): ReadonlyMap<bigint, bigint> {
  const own = new Map<bigint, bigint>()
  for (const order of orders) {
    if (order.status !== 'open' || order.market !== market || order.side === side) continue
    const price = BigInt(order.price)
    own.set(price, (own.get(price) ?? 0n) + BigInt(order.remaining))
  }
  return own
}

/**
 * The prices of the user's own resting orders an order would meet, best first: those within
 * `limit` that the order still has quantity for when it reaches them (the other orders before
 * them fill it first; the user's own are cancelled, not traded). Without a quantity, every own
 * order within the limit.
 */
export function selfTradePrices(
  opposite: OppositeLevels,
  side: Side,
  quantity: bigint | undefined,
  limit: bigint,
  own: ReadonlyMap<bigint, bigint>,
): bigint[] {
  const met: bigint[] = []
  let ahead = 0n
  for (const [price, size] of reachable(opposite, side, limit)) {
    const mine = own.get(price) ?? 0n
    if (mine > 0n && (quantity === undefined || quantity > ahead)) met.push(price)
    ahead += size - mine
  }
  // An own order the page's book does not show yet (its delta still on the way) is within reach
  // if the limit reaches its price.
  const shown = new Set(opposite.map(([price]) => price))
  for (const price of own.keys()) {
    if (withinLimit(side, price, limit) && !shown.has(price) && !met.includes(price))
      met.push(price)
  }
  return bestFirst(met, side === 'buy' ? 'asks' : 'bids')
}
