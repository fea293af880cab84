/**
 * Markets: the one definition (`MarketInfo` of `shared/api`, in token units, as the operator
 * configures it, as `GET /markets` and the replica registry show it), the devnet list, and the
 * engine's view of a market in book units, derived from it by {@link toEngineMarket}.
 *
 * Units, precisely (every field name says its unit):
 * - A definition states sizes in token base units and prices in quote base units per whole base
 *   token, the unit users sign: `tickQuoteUnitsPerBaseToken` is the price step,
 *   `lotBaseUnits` the quantity step.
 * - The engine counts a quantity in whole **lots** (`baseAmount = lots × lotBaseUnits`) and a
 *   price in whole **ticks**; one tick is worth `tickQuoteUnitsPerLot` quote base units per lot,
 *   so `quoteAmount = priceTicks × lots × tickQuoteUnitsPerLot`.
 * - The conversion: `tickQuoteUnitsPerLot = tickQuoteUnitsPerBaseToken × lotBaseUnits /
 *   10^baseDecimals`, required to be a whole number.
 *
 * Both engine products are exact integers: there is no division and no rounding anywhere. For
 * ETH/USDT (ETH 18 decimals, USDT 6 decimals) a lot is 0.001 ETH and a tick is 0.01 USDT per ETH
 * (10,000 USDT base units per ETH), which is 0.00001 USDT = 10 USDT base units per lot; a price
 * of 2,000.00 USDT/ETH is 200,000 ticks.
 */
import type { MarketInfo } from '../api/index.ts'
import { BaseError } from '../errors/index.ts'

/** Raised for a market definition that cannot be traded (an operator or programmer mistake). */
export class MarketConfigError extends BaseError {
  override name = 'MarketConfigError' as const
}

/** What the engine needs of a market, in book units (ticks and lots). */
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
  /** Quote base units one tick of price is worth per lot (> 0). */
  tickQuoteUnitsPerLot: bigint
  /** Base base units in one lot (> 0). */
  lotBaseUnits: bigint
  /** Smallest accepted order size, in lots (≥ 1). */
  minLots: number
  /** Largest accepted order size, in lots. Defaults to 1e12. */
  maxLots?: number
  /** Highest accepted price, in ticks. Defaults to 1e12. */
  maxPriceTicks?: number
}

/** The engine's view of a market: validated, frozen, every limit filled in. */
export type Market = Readonly<
  Required<MarketConfig> & {
    /** Quote base units per whole base token that one tick adds to a price (the price step). */
    tickQuoteUnitsPerBaseToken: bigint
    /** `tickQuoteUnitsPerLot` as a number when a safe integer, else 0 (a hot-path shortcut). */
    tickQuoteUnitsPerLotNumber: number
  }
>

const defaultMaxLots = 1_000_000_000_000
const defaultMaxPriceTicks = 1_000_000_000_000

/**
 * Validates the engine's view of a market and freezes it. Markets that users trade come from a
 * definition through {@link toEngineMarket}; engine tests build odd grids with this directly.
 * @param config - The market in book units.
 * @returns The market with defaults applied.
 * @throws {MarketConfigError} If an id is empty, base equals quote, a size is not positive or a
 * limit is not a safe integer.
 * @example
 * const market = defineMarket({ id: 'ETH/USDT', base: 'ETH', quote: 'USDT', baseDecimals: 18,
 *   quoteDecimals: 6, tickQuoteUnitsPerLot: 10n, lotBaseUnits: 10n ** 15n, minLots: 10 })
 */
export function defineMarket(config: MarketConfig): Market {
  const { tickQuoteUnitsPerLot: tick, lotBaseUnits: lot } = config
  const wholeBase = 10n ** BigInt(isDecimals(config.baseDecimals) ? config.baseDecimals : 0)
  const market: Market = {
    maxLots: defaultMaxLots,
    maxPriceTicks: defaultMaxPriceTicks,
    ...config,
    tickQuoteUnitsPerBaseToken: lot > 0n ? (tick * wholeBase) / lot : 0n,
    tickQuoteUnitsPerLotNumber:
      tick > 0n && tick <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(tick) // tidy: allow checked ≤ 2^53 − 1 just above
        : 0,
  }
  const problems: string[] = []
  if (!isDecimals(market.baseDecimals) || !isDecimals(market.quoteDecimals)) {
    problems.push('decimals must be integers in 0..77')
  }
  if (market.id.length === 0) problems.push('id is empty')
  if (market.base.length === 0 || market.quote.length === 0) problems.push('token id is empty')
  if (market.base === market.quote) problems.push('base equals quote')
  if (tick <= 0n) problems.push('tickQuoteUnitsPerLot must be > 0')
  if (lot <= 0n) problems.push('lotBaseUnits must be > 0')
  if (lot > 0n && (tick * wholeBase) % lot !== 0n) {
    problems.push('tickQuoteUnitsPerLot × 10^baseDecimals must be a multiple of lotBaseUnits')
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
 * The engine's view of a market definition: steps become ticks and lots, limits whole numbers
 * of them. `tickQuoteUnitsPerLot = tickQuoteUnitsPerBaseToken × lotBaseUnits / 10^baseDecimals`
 * must be a whole number, and each limit a whole multiple of its step.
 * @param info - The market definition, in token units.
 * @returns The engine's market, validated by {@link defineMarket}.
 * @throws {MarketConfigError} If the definition cannot be put on a grid of ticks and lots.
 * @example
 * toEngineMarket(devnetMarkets[0]) // ETH/USDT: tickQuoteUnitsPerLot 10n, minLots 10, …
 */
export function toEngineMarket(info: MarketInfo): Market {
  const fail = (why: string) => new MarketConfigError(`market ${info.id}: ${why}`)
  if (info.id !== `${info.base}/${info.quote}`) throw fail('id must be BASE/QUOTE')
  const tickPerBaseToken = units(info.tickQuoteUnitsPerBaseToken, fail)
  const lot = units(info.lotBaseUnits, fail)
  const wholeBase = 10n ** BigInt(isDecimals(info.baseDecimals) ? info.baseDecimals : 0)
  if (tickPerBaseToken === 0n || lot === 0n) throw fail('steps must be > 0')
  if ((tickPerBaseToken * lot) % wholeBase !== 0n) {
    throw fail('tickQuoteUnitsPerBaseToken × lotBaseUnits must be a multiple of 10^baseDecimals')
  }
  const steps = (text: string, step: bigint, what: string): number => {
    const value = units(text, fail)
    if (value % step !== 0n || value / step > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw fail(`${what} must be a multiple of its step, below 2^53 steps`)
    }
    return Number.parseInt((value / step).toString(), 10)
  }
  return defineMarket({
    id: info.id,
    base: info.base,
    quote: info.quote,
    baseDecimals: info.baseDecimals,
    quoteDecimals: info.quoteDecimals,
    tickQuoteUnitsPerLot: (tickPerBaseToken * lot) / wholeBase,
    lotBaseUnits: lot,
    minLots: steps(info.minQuantityBaseUnits, lot, 'minQuantityBaseUnits'),
    maxLots: steps(info.maxQuantityBaseUnits, lot, 'maxQuantityBaseUnits'),
    maxPriceTicks: steps(
      info.maxPriceQuoteUnitsPerBaseToken,
      tickPerBaseToken,
      'maxPriceQuoteUnitsPerBaseToken',
    ),
  })
}

function units(text: string, fail: (why: string) => Error): bigint {
  if (!/^(?:0|[1-9][0-9]{0,77})$/.test(text)) throw fail(`not a base-unit amount: ${text}`)
  return BigInt(text)
}

/**
 * The devnet markets, the one list every part of the project trades. ETH/USDT: price step
 * 0.01 USDT, lot 0.001 ETH, 0.01 to 1,000,000 ETH, prices up to 100,000,000 USDT. BTC/USDT: price
 * step 0.01 USDT, lot 0.0001 BTC, 0.0001 to 10,000 BTC, prices up to 100,000,000 USDT.
 */
export const devnetMarkets: readonly MarketInfo[] = [
  {
    id: 'ETH/USDT',
    base: 'ETH',
    quote: 'USDT',
    baseDecimals: 18,
    quoteDecimals: 6,
    tickQuoteUnitsPerBaseToken: '10000',
    lotBaseUnits: '1000000000000000',
    minQuantityBaseUnits: '10000000000000000',
    maxQuantityBaseUnits: '1000000000000000000000000',
    maxPriceQuoteUnitsPerBaseToken: '100000000000000',
  },
  {
    id: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    baseDecimals: 8,
    quoteDecimals: 6,
    tickQuoteUnitsPerBaseToken: '10000',
    lotBaseUnits: '10000',
    minQuantityBaseUnits: '10000',
    maxQuantityBaseUnits: '1000000000000',
    maxPriceQuoteUnitsPerBaseToken: '100000000000000',
  },
]

/**
 * The engine's view of the devnet ETH/USDT: lot 0.001 ETH (1e15 wei), tick 10 USDT base units per
 * lot (0.01 USDT per ETH), minimum 10 lots, maximum 1e9 lots, prices up to 1e10 ticks.
 */
export const ethUsdt: Market = toEngineMarket(devnetMarkets[0] as MarketInfo)

/**
 * The base amount of `lots` lots.
 * @returns `lots × lotBaseUnits` base units of `market.base`.
 */
export function baseAmount(market: Market, lots: number): bigint {
  return BigInt(lots) * market.lotBaseUnits
}

/**
 * The quote amount of `lots` lots at `priceTicks`.
 * @returns `priceTicks × lots × tickQuoteUnitsPerLot` base units of `market.quote`, exact.
 */
export function quoteAmount(market: Market, priceTicks: number, lots: number): bigint {
  const product = priceTicks * lots
  // Below 2^53 the float products are exact integers, so the common case costs one BigInt.
  if (Number.isSafeInteger(product)) {
    const units = product * market.tickQuoteUnitsPerLotNumber
    if (units > 0 && Number.isSafeInteger(units)) return BigInt(units)
    return BigInt(product) * market.tickQuoteUnitsPerLot
  }
  return BigInt(priceTicks) * BigInt(lots) * market.tickQuoteUnitsPerLot
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
