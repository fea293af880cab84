import { bestFirst, type BookLevels } from '../../lib/orderbookState.ts'

/** One step of a depth curve: the book's total size from the best price up to `price`. */
export interface DepthPoint {
  readonly price: bigint
  /** Base base units resting at `price` and every better price of its side. */
  readonly cumulative: bigint
}

export interface Depth {
  /** Best (highest) bid first. */
  readonly bids: readonly DepthPoint[]
  /** Best (lowest) ask first. */
  readonly asks: readonly DepthPoint[]
  /** The mid price, or the only side's best price; undefined for an empty book. */
  readonly mid: bigint | undefined
}

/**
 * The depth curves of a book: each side's cumulative size from its best price outward,
 * keeping only levels within `rangeBps` of the mid price (default 20 %), so one far-off order
 * does not flatten the curve.
 */
export function buildDepth(
  book: { readonly bids: BookLevels; readonly asks: BookLevels },
  rangeBps = 2000n,
): Depth {
  const bidPrices = bestFirst([...book.bids.keys()], 'bids')
  const askPrices = bestFirst([...book.asks.keys()], 'asks')
  const bestBid = bidPrices[0]
  const bestAsk = askPrices[0]
  const mid =
    bestBid !== undefined && bestAsk !== undefined ? (bestBid + bestAsk) / 2n : (bestBid ?? bestAsk)
  if (mid === undefined) return { bids: [], asks: [], mid }
  const reach = (mid * rangeBps) / 10_000n
  const curve = (prices: bigint[], levels: BookLevels, within: (price: bigint) => boolean) => {
    const points: DepthPoint[] = []
    let cumulative = 0n
    for (const price of prices) {
      if (!within(price)) break
      cumulative += levels.get(price) ?? 0n
      points.push({ price, cumulative })
    }
    return points
  }
  return {
    bids: curve(bidPrices, book.bids, (price) => price >= mid - reach),
    asks: curve(askPrices, book.asks, (price) => price <= mid + reach),
    mid,
  }
}
