import { defineMarket, type Market } from '../orderbook/index.ts'
import type { TokenRegistry } from '../intents/index.ts'
import { BaseError } from '../errors/index.ts'

/**
 * A market as the operator configures it and as `GET /markets` shows it: every size in token
 * base units, prices in quote base units per whole base token (the unit users sign).
 */
export interface MarketSpec {
  readonly id: string
  readonly base: string
  readonly quote: string
  readonly baseDecimals: number
  readonly quoteDecimals: number
  /** Price step: quote base units per whole base token. */
  readonly tickSize: string
  /** Quantity step: base base units. */
  readonly lotSize: string
  readonly minQuantity: string
  readonly maxQuantity: string
  readonly maxPrice: string
}

/** Raised for a market specification that cannot be traded (an operator mistake). */
export class MarketSpecError extends BaseError {
  override name = 'MarketSpecError' as const
}

/**
 * Turns a market specification into the engine's configuration (ticks and lots). The engine's
 * `tickSize` is quote units per lot per tick: `priceStep × lotSize / 10^baseDecimals`, which must
 * be a whole number; the quantity and price limits must be whole multiples of their steps.
 */
export function toEngineMarket(spec: MarketSpec, tokens: TokenRegistry): Market {
  const fail = (why: string) => new MarketSpecError(`market ${spec.id}: ${why}`)
  const base = tokens.get(spec.base)
  const quote = tokens.get(spec.quote)
  if (base === undefined || quote === undefined) throw fail('unknown token')
  if (base.decimals !== spec.baseDecimals || quote.decimals !== spec.quoteDecimals) {
    throw fail('decimals differ from the token registry')
  }
  if (spec.id !== `${spec.base}/${spec.quote}`) throw fail('id must be BASE/QUOTE')
  const priceStep = units(spec.tickSize, fail)
  const lotSize = units(spec.lotSize, fail)
  const wholeBase = 10n ** BigInt(spec.baseDecimals)
  if (priceStep === 0n || lotSize === 0n) throw fail('steps must be > 0')
  if ((priceStep * lotSize) % wholeBase !== 0n) {
    throw fail('tickSize × lotSize must be a multiple of 10^baseDecimals')
  }
  const steps = (text: string, step: bigint, what: string): number => {
    const value = units(text, fail)
    if (value % step !== 0n || value / step > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw fail(`${what} must be a multiple of its step, below 2^53 steps`)
    }
    return Number.parseInt((value / step).toString(), 10)
  }
  return defineMarket({
    id: spec.id,
    base: spec.base,
    quote: spec.quote,
    baseDecimals: spec.baseDecimals,
    quoteDecimals: spec.quoteDecimals,
    tickSize: (priceStep * lotSize) / wholeBase,
    lotSize,
    minLots: steps(spec.minQuantity, lotSize, 'minQuantity'),
    maxLots: steps(spec.maxQuantity, lotSize, 'maxQuantity'),
    maxPriceTicks: steps(spec.maxPrice, priceStep, 'maxPrice'),
  })
}

function units(text: string, fail: (why: string) => Error): bigint {
  if (!/^(?:0|[1-9][0-9]{0,77})$/.test(text)) throw fail(`not a base-unit amount: ${text}`)
  return BigInt(text)
}

/** The devnet tokens: USDT (6 decimals), ETH (18), BTC (8). */
export const devnetTokens = [
  { symbol: 'USDT', decimals: 6 },
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'BTC', decimals: 8 },
] as const

/**
 * The devnet markets. ETH/USDT: price step 0.01 USDT, lot 0.001 ETH, 0.01 to 1,000,000 ETH,
 * prices up to 100,000,000 USDT. BTC/USDT: price step 0.01 USDT, lot 0.0001 BTC, 0.0001 to
 * 10,000 BTC, prices up to 100,000,000 USDT.
 */
export const devnetMarkets: readonly MarketSpec[] = [
  {
    id: 'ETH/USDT',
    base: 'ETH',
    quote: 'USDT',
    baseDecimals: 18,
    quoteDecimals: 6,
    tickSize: '10000',
    lotSize: '1000000000000000',
    minQuantity: '10000000000000000',
    maxQuantity: '1000000000000000000000000',
    maxPrice: '100000000000000',
  },
  {
    id: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    baseDecimals: 8,
    quoteDecimals: 6,
    tickSize: '10000',
    lotSize: '10000',
    minQuantity: '10000',
    maxQuantity: '1000000000000',
    maxPrice: '100000000000000',
  },
]
