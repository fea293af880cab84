import { describe, expect, it } from 'vitest'
import type { MarketInfo } from '../api/index.ts'
import { BaseError } from '../errors/index.ts'
import { createTokenRegistry } from '../intents/index.ts'
import { devnetMarkets, MarketConfigError, toEngineMarket } from '../orderbook/index.ts'
import { devnetTokens, listMarket } from './markets.ts'

const tokens = createTokenRegistry(devnetTokens)
const [ethUsdt] = devnetMarkets as [MarketInfo]

describe('listMarket', () => {
  it('pairs the definition with the engine view of it', () => {
    expect(listMarket(ethUsdt, tokens)).toEqual({ spec: ethUsdt, engine: toEngineMarket(ethUsdt) })
  })

  it.each<[string, Partial<MarketInfo>]>([
    ['market DAI/USDT: unknown token', { base: 'DAI', id: 'DAI/USDT' }],
    ['market ETH/USDT: decimals differ from the token registry', { baseDecimals: 6 }],
    ['market ETH/USDT: steps must be > 0', { lotBaseUnits: '0' }],
  ])('refuses with a MarketConfigError: %s', (message, change) => {
    const error: unknown = (() => {
      try {
        listMarket({ ...ethUsdt, ...change }, tokens)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(MarketConfigError)
    expect(error).toBeInstanceOf(BaseError)
    expect((error as BaseError).shortMessage).toBe(message)
  })
})
