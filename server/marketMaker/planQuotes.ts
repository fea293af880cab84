/*
 * The demo market maker's quoting rule, pure: from a mid price and the maker's open orders in one
 * market, which orders to cancel and which to place. No clock, randomness or I/O, so the rule is
 * tested by itself (`planQuotes.test.ts`) and the process around it (`marketMaker.ts`) only
 * carries it out.
 */
import type { MarketInfo } from '../../shared/api/index.ts'

/** The grid of one market as amounts: the fields of the market definition it needs, as bigint. */
export interface QuoteMarket {
  readonly baseDecimals: number
  /** Price step, quote base units per whole base token. */
  readonly tickQuoteUnitsPerBaseToken: bigint
  /** Quantity step, base base units. */
  readonly lotBaseUnits: bigint
  readonly minQuantityBaseUnits: bigint
  readonly maxQuantityBaseUnits: bigint
  /** Quote base units per whole base token. */
  readonly maxPriceQuoteUnitsPerBaseToken: bigint
}

/** The quoting view of a market definition (`GET /markets`): its decimal strings as bigint. */
export function toQuoteMarket(info: MarketInfo): QuoteMarket {
  return {
    baseDecimals: info.baseDecimals,
    tickQuoteUnitsPerBaseToken: BigInt(info.tickQuoteUnitsPerBaseToken),
    lotBaseUnits: BigInt(info.lotBaseUnits),
    minQuantityBaseUnits: BigInt(info.minQuantityBaseUnits),
    maxQuantityBaseUnits: BigInt(info.maxQuantityBaseUnits),
    maxPriceQuoteUnitsPerBaseToken: BigInt(info.maxPriceQuoteUnitsPerBaseToken),
  }
}

/** How the maker quotes. Distances are in basis points (1/100 of a percent) of the mid. */
export interface QuoteConfig {
  /** Price levels on each side. */
  readonly levels: number
  /** Distance of the innermost level from the mid. */
  readonly halfSpreadBps: number
  /** Distance between neighbouring levels. */
  readonly levelStepBps: number
  /** Value of the innermost level, quote base units; level i holds (i + 1) times as much. */
  readonly levelNotional: bigint
  /** Most intents (cancels and orders together) one plan asks for. */
  readonly actionsMax: number
}

/** One of the maker's open orders. */
export interface OpenQuote {
  readonly orderId: string
  readonly side: 'buy' | 'sell'
  /** Quote base units per whole base token. */
  readonly price: bigint
}

/** An order to place: a resting limit order. */
export interface NewQuote {
  readonly side: 'buy' | 'sell'
  readonly price: bigint
  readonly quantity: bigint
}

export interface QuotePlan {
  /** Order ids to cancel: outside the band around the mid, or a second order on one level. */
  readonly cancel: readonly string[]
  /** Levels no open order covers, innermost first, bids and asks alternating. */
  readonly place: readonly NewQuote[]
}

const BPS = 10_000n

/**
 * The ladder the maker wants around `mid`: `levels` bids below and as many asks above, the
 * innermost `halfSpreadBps` away and each next `levelStepBps` further. Bids round down and asks
 * up to the price step, so a bid is always below the mid and an ask above it; quantities round
 * down to the lot, at least the market's minimum. Levels that fall outside the market's prices
 * are left out.
 */
export function buildQuoteLadder(
  market: QuoteMarket,
  mid: bigint,
  config: QuoteConfig,
): NewQuote[] {
  const ladder: NewQuote[] = []
  for (let level = 0; level < config.levels; level += 1) {
    const distance = BigInt(config.halfSpreadBps + level * config.levelStepBps)
    const bidAtMost = roundDown((mid * (BPS - distance)) / BPS, market.tickQuoteUnitsPerBaseToken)
    const askAtLeast = roundUp((mid * (BPS + distance)) / BPS, market.tickQuoteUnitsPerBaseToken)
    // Strictly on its own side of the mid, even at a zero distance.
    const bid = bidAtMost < mid ? bidAtMost : bidAtMost - market.tickQuoteUnitsPerBaseToken
    const ask = askAtLeast > mid ? askAtLeast : askAtLeast + market.tickQuoteUnitsPerBaseToken
    for (const [side, price] of [
      ['buy', bid],
      ['sell', ask],
    ] as const) {
      if (price <= 0n || price > market.maxPriceQuoteUnitsPerBaseToken) continue
      const quantity = quantityFor(market, price, config.levelNotional * BigInt(level + 1))
      if (quantity !== undefined) ladder.push({ side, price, quantity })
    }
  }
  return ladder
}

/**
 * What to cancel and place so that the maker's open orders in one market match the ladder around
 * `mid` (`buildQuoteLadder`) without replacing quotes that are still good: an open order is kept
 * while it lies on its own side of the mid within the band of the ladder (half a level step of
 * slack at both ends), and covers the ladder level nearest to it. Everything else is cancelled:
 * orders the drifting mid has left behind or crossed, and a second order on a covered level. The
 * uncovered levels are placed. Cancels come first; the plan has at most `actionsMax` intents,
 * so the maker's open orders never exceed 2 × `levels` and each round's submissions stay few.
 */
export function planQuotes(parameters: {
  readonly market: QuoteMarket
  readonly mid: bigint
  readonly open: readonly OpenQuote[]
  readonly config: QuoteConfig
}): QuotePlan {
  const { market, mid, open, config } = parameters
  const ladder = buildQuoteLadder(market, mid, config)
  const slack = (mid * BigInt(config.levelStepBps)) / (2n * BPS)
  const cancel: string[] = []
  const covered = new Set<NewQuote>()
  for (const order of open) {
    const side = ladder.filter((quote) => quote.side === order.side)
    const nearest = nearestQuote(side, order.price)
    const inBand =
      nearest !== undefined &&
      (order.side === 'buy' ? order.price < mid : order.price > mid) &&
      absolute(nearest.price - order.price) <= slack
    if (!inBand || covered.has(nearest)) cancel.push(order.orderId)
    else covered.add(nearest)
  }
  const keptCount = open.length - cancel.length
  const placeMax = Math.max(0, 2 * config.levels - keptCount)
  const cancels = cancel.slice(0, config.actionsMax)
  const place = ladder
    .filter((quote) => !covered.has(quote))
    .slice(0, Math.min(placeMax, config.actionsMax - cancels.length))
  return { cancel: cancels, place }
}

/** The quantity worth about `notional` at `price`, on the lot, within the market's limits. */
function quantityFor(market: QuoteMarket, price: bigint, notional: bigint): bigint | undefined {
  const whole = 10n ** BigInt(market.baseDecimals)
  const quantity = roundDown((notional * whole) / price, market.lotBaseUnits)
  const bounded = quantity < market.minQuantityBaseUnits ? market.minQuantityBaseUnits : quantity
  return bounded > market.maxQuantityBaseUnits ? undefined : bounded
}

function nearestQuote(quotes: readonly NewQuote[], price: bigint): NewQuote | undefined {
  let best: NewQuote | undefined
  for (const quote of quotes) {
    if (best === undefined || absolute(quote.price - price) < absolute(best.price - price)) {
      best = quote
    }
  }
  return best
}

function roundDown(value: bigint, step: bigint): bigint {
  return value - (value % step)
}

function roundUp(value: bigint, step: bigint): bigint {
  const rest = value % step
  return rest === 0n ? value : value + step - rest
}

function absolute(value: bigint): bigint {
  return value < 0n ? -value : value
}
