/**
 * Market configuration and the exact integer arithmetic that turns book units (price ticks, lots)
 * into token amounts (bigint base units).
 *
 * Units, precisely:
 * - A quantity is a whole number of **lots**; `baseAmount = lots × lotSize` base units of `base`.
 * - A price is a whole number of **ticks**; one tick is worth `tickSize` base units of `quote`
 *   **per lot**, so `quoteAmount = priceTicks × lots × tickSize` base units of `quote`.
 *
 * Both products are exact integers: there is no division and no rounding anywhere. Signed intents
 * state a price per whole base token; `priceIncrement = tickSize × 10^baseDecimals / lotSize` is
 * what one tick adds to that price (required to be an integer). For ETH/USDT
 * (ETH 18 decimals, USDT 6 decimals) a lot is 0.001 ETH and a tick is 0.01 USDT per ETH, which is
 * 0.00001 USDT = 10 USDT base units per lot; a price of 2,000.00 USDT/ETH is 200,000 ticks.
 */
import { BaseError } from '../errors/index.ts'

/** Raised for an invalid market configuration (a programmer error, caught at startup). */
export class MarketConfigError extends BaseError {
  override name = 'MarketConfigError' as const
}

/** Static configuration of one market, as written by the operator. */
export type MarketConfig = {
  /** Market id, e.g. `'ETH/USDT'`. */
  id: string
  /** Token id of the base token (the one bought and sold), as the ledger names it. */
  base: string
  /** Token id of the quote token (the one prices are expressed in), as the ledger names it. */
  quote: string
  /** Decimals of the base token (must match the token registry). */
  baseDecimals: number
  /** Decimals of the quote token (must match the token registry). */
  quoteDecimals: number
  /** Quote base units paid per lot for each tick of price (> 0). */
  tickSize: bigint
  /** Base base units in one lot (> 0). */
  lotSize: bigint
  /** Smallest accepted order size, in lots (≥ 1). */
  minLots: number
  /** Largest accepted order size, in lots. Defaults to 1e12. */
  maxLots?: number
  /** Highest accepted price, in ticks. Defaults to 1e12. */
  maxPriceTicks?: number
}

/** A validated, frozen market configuration with every limit filled in. */
export type Market = Readonly<
  Required<MarketConfig> & {
    /** Quote base units per whole base token that one tick adds to a price. */
    priceIncrement: bigint
    /** `tickSize` as a number when it is a safe integer, else 0 (a hot-path shortcut). */
    tickSizeNumber: number
  }
>

const defaultMaxLots = 1_000_000_000_000
const defaultMaxPriceTicks = 1_000_000_000_000

/**
 * Validates a market configuration and freezes it.
 * @param config - The operator's configuration.
 * @returns The market with defaults applied.
 * @throws {MarketConfigError} If an id is empty, base equals quote, a size is not positive or a
 * limit is not a safe integer.
 * @example
 * const market = defineMarket({ id: 'ETH/USDT', base: 'ETH', quote: 'USDT', baseDecimals: 18,
 *   quoteDecimals: 6, tickSize: 10n, lotSize: 10n ** 15n, minLots: 10 })
 */
export function defineMarket(config: MarketConfig): Market {
  const wholeBase = 10n ** BigInt(isDecimals(config.baseDecimals) ? config.baseDecimals : 0)
  const market: Market = {
    maxLots: defaultMaxLots,
    maxPriceTicks: defaultMaxPriceTicks,
    ...config,
    priceIncrement: config.lotSize > 0n ? (config.tickSize * wholeBase) / config.lotSize : 0n,
    tickSizeNumber:
      config.tickSize > 0n && config.tickSize <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(config.tickSize) // tidy: allow checked ≤ 2^53 − 1 just above
        : 0,
  }
  const problems: string[] = []
  if (!isDecimals(market.baseDecimals) || !isDecimals(market.quoteDecimals)) {
    problems.push('decimals must be integers in 0..77')
  }
  if (market.id.length === 0) problems.push('id is empty')
  if (market.base.length === 0 || market.quote.length === 0) problems.push('token id is empty')
  if (market.base === market.quote) problems.push('base equals quote')
  if (market.tickSize <= 0n) problems.push('tickSize must be > 0')
  if (market.lotSize <= 0n) problems.push('lotSize must be > 0')
  if (market.lotSize > 0n && (market.tickSize * wholeBase) % market.lotSize !== 0n) {
    problems.push('tickSize × 10^baseDecimals must be a multiple of lotSize')
  }
  if (!isPositiveSafeInteger(market.minLots)) problems.push('minLots must be a safe integer ≥ 1')
  if (!isPositiveSafeInteger(market.maxLots)) problems.push('maxLots must be a safe integer ≥ 1')
  if (market.maxLots < market.minLots) problems.push('maxLots < minLots')
  if (!isPositiveSafeInteger(market.maxPriceTicks)) {
    problems.push('maxPriceTicks must be a safe integer ≥ 1')
  }
  if (problems.length > 0) {
    throw new MarketConfigError(`market ${JSON.stringify(config.id)}: ${problems.join('; ')}`)
  }
  return Object.freeze(market)
}

/**
 * ETH/USDT: lot 0.001 ETH (1e15 wei), tick 0.01 USDT per ETH (10 USDT base units per lot),
 * minimum 0.01 ETH (10 lots), maximum 1,000,000 ETH, prices up to 100,000,000 USDT/ETH.
 */
export const ethUsdt: Market = defineMarket({
  id: 'ETH/USDT',
  base: 'ETH',
  quote: 'USDT',
  baseDecimals: 18,
  quoteDecimals: 6,
  tickSize: 10n,
  lotSize: 10n ** 15n,
  minLots: 10,
  maxLots: 1_000_000_000,
  maxPriceTicks: 10_000_000_000,
})

/**
 * The base amount of `lots` lots.
 * @returns `lots × lotSize` base units of `market.base`.
 */
export function baseAmount(market: Market, lots: number): bigint {
  return BigInt(lots) * market.lotSize
}

/**
 * The quote amount of `lots` lots at `priceTicks`.
 * @returns `priceTicks × lots × tickSize` base units of `market.quote`, exact.
 */
export function quoteAmount(market: Market, priceTicks: number, lots: number): bigint {
  const product = priceTicks * lots
  // Below 2^53 the float products are exact integers, so the common case costs one BigInt.
  if (Number.isSafeInteger(product)) {
    const units = product * market.tickSizeNumber
    if (units > 0 && Number.isSafeInteger(units)) return BigInt(units)
    return BigInt(product) * market.tickSize
  }
  return BigInt(priceTicks) * BigInt(lots) * market.tickSize
}

/**
 * What an order locks in escrow while it is open: a buy locks the quote amount at its limit (or
 * worst) price, a sell locks the base amount.
 * @returns The token and amount to lock.
 */
export function orderLockAmount(
  market: Market,
  side: 'buy' | 'sell',
  priceTicks: number,
  lots: number,
): { token: string; amount: bigint } {
  return side === 'buy'
    ? { token: market.quote, amount: quoteAmount(market, priceTicks, lots) }
    : { token: market.base, amount: baseAmount(market, lots) }
}

function isDecimals(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && value <= 77
}

function isPositiveSafeInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 1
}
