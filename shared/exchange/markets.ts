import type { MarketInfo } from '../api/index.ts'
import type { TokenRegistry } from '../intents/index.ts'
import { MarketConfigError, toEngineMarket, type Market } from '../orderbook/index.ts'

/** A traded market: its definition (token units) and the engine's view of it (book units). */
export interface ListedMarket {
  readonly spec: MarketInfo
  readonly engine: Market
}

/**
 * Lists a market for trading: its tokens must be in the registry with the decimals the
 * definition states, and the definition must convert to the engine's view (`toEngineMarket`).
 * @throws {MarketConfigError} For an unknown token, other decimals, or a definition that cannot
 * be put on a grid of ticks and lots.
 */
export function listMarket(spec: MarketInfo, tokens: TokenRegistry): ListedMarket {
  const base = tokens.get(spec.base)
  const quote = tokens.get(spec.quote)
  if (base === undefined || quote === undefined) {
    throw new MarketConfigError(`market ${spec.id}: unknown token`)
  }
  if (base.decimals !== spec.baseDecimals || quote.decimals !== spec.quoteDecimals) {
    throw new MarketConfigError(`market ${spec.id}: decimals differ from the token registry`)
  }
  return { spec, engine: toEngineMarket(spec) }
}

/** The devnet tokens: USDT (6 decimals), ETH (18), BTC (8). */
export const devnetTokens = [
  { symbol: 'USDT', decimals: 6 },
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'BTC', decimals: 8 },
] as const
