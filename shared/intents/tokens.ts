import { ok, reject, type Result } from './result.ts'

declare const tokenSymbolBrand: unique symbol

/** A token symbol known to the registry, such as `USDT`: upper-case letters and digits. */
export type TokenSymbol = string & { readonly [tokenSymbolBrand]: true }

/** One registry entry. */
export interface TokenInfo {
  readonly symbol: TokenSymbol
  /** Fractional digits of one whole token in base units (USDT 6, ETH 18). */
  readonly decimals: number
}

/**
 * Every token the service knows, by symbol. It comes from the genesis configuration and is the
 * same on every replica; a `Map` rather than an object so a hostile symbol such as `__proto__`
 * can never hit an inherited property.
 */
export type TokenRegistry = ReadonlyMap<string, TokenInfo>

/**
 * The trading pair an intent names, such as `ETH/USDT` (prices in `quote` units per one whole
 * `base`); the market it trades on, with its grid, is the `MarketInfo` of `shared/api`.
 */
export interface MarketPair {
  /** Canonical `BASE/QUOTE` spelling, used in signed texts and as the book key. */
  readonly symbol: string
  readonly base: TokenSymbol
  readonly quote: TokenSymbol
}

/** Why a token symbol or market is not accepted. */
export type TokenRejectReason =
  'invalid_token' | 'unknown_token' | 'invalid_market' | 'market_tokens_equal'

/** Most fractional digits a token may have; uint128 base units still hold 10^8 whole tokens. */
const maxTokenDecimals = 30

/** Shape of a token symbol: 1 to 12 upper-case letters or digits, starting with a letter. */
export const tokenSymbolPattern = /^[A-Z][A-Z0-9]{0,11}$/

/** Shape of a market symbol: two token symbols joined by `/`. */
export const marketSymbolPattern = /^[A-Z][A-Z0-9]{0,11}\/[A-Z][A-Z0-9]{0,11}$/

/**
 * Builds the registry from configuration. A bad entry is a configuration mistake, not hostile
 * input, so this throws rather than returning a rejection.
 */
export function createTokenRegistry(
  tokens: readonly { readonly symbol: string; readonly decimals: number }[],
): TokenRegistry {
  const registry = new Map<string, TokenInfo>()
  for (const { symbol, decimals } of tokens) {
    if (!tokenSymbolPattern.test(symbol)) throw new Error(`Invalid token symbol ${symbol}`)
    if (!Number.isSafeInteger(decimals) || decimals < 0 || decimals > maxTokenDecimals) {
      throw new Error(`Invalid decimals ${decimals} for token ${symbol}`)
    }
    if (registry.has(symbol)) throw new Error(`Duplicate token ${symbol}`)
    registry.set(symbol, { symbol: symbol as TokenSymbol, decimals })
  }
  return registry
}

/** Looks a symbol up in the registry, telling a malformed symbol from an unknown one. */
export function parseToken(
  registry: TokenRegistry,
  symbol: string,
): Result<TokenInfo, 'invalid_token' | 'unknown_token'> {
  if (!tokenSymbolPattern.test(symbol)) return reject('invalid_token')
  const token = registry.get(symbol)
  return token === undefined ? reject('unknown_token') : ok(token)
}

/**
 * Parses `BASE/QUOTE` into a market whose two tokens are known and different. Whether the
 * market is listed for trading is the orderbook's decision, not this parser's.
 */
export function parseMarket(
  registry: TokenRegistry,
  symbol: string,
): Result<{ market: MarketPair; base: TokenInfo; quote: TokenInfo }, TokenRejectReason> {
  if (!marketSymbolPattern.test(symbol)) return reject('invalid_market')
  const [baseSymbol = '', quoteSymbol = ''] = symbol.split('/')
  const base = registry.get(baseSymbol)
  const quote = registry.get(quoteSymbol)
  if (base === undefined || quote === undefined) return reject('unknown_token')
  if (base.symbol === quote.symbol) return reject('market_tokens_equal')
  return ok({ market: { symbol, base: base.symbol, quote: quote.symbol }, base, quote })
}
