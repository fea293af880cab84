import { describe, expect, it } from 'vitest'
import { BaseError } from '../errors/index.ts'
import { createTokenRegistry } from '../intents/index.ts'
import { devnetMarkets, devnetTokens, MarketSpecError, toEngineMarket } from './markets.ts'

const tokens = createTokenRegistry(devnetTokens)
const [ethUsdt] = devnetMarkets as [(typeof devnetMarkets)[0]]

describe('toEngineMarket', () => {
  it('refuses a specification that cannot be traded with a MarketSpecError naming the market', () => {
    const error: unknown = (() => {
      try {
        toEngineMarket({ ...ethUsdt, lotSize: '0' }, tokens)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(MarketSpecError)
    expect(error).toBeInstanceOf(BaseError)
    expect((error as BaseError).shortMessage).toBe('market ETH/USDT: steps must be > 0')
  })
})
