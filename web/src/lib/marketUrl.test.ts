import { describe, expect, it } from 'vitest'
import { marketIdFromSearch, searchWithMarket } from './marketUrl.ts'

const markets = ['ETH/USDT', 'BTC/USDT']

describe('market URL', () => {
  it('reads the market from ?market=BASE-QUOTE, in any case', () => {
    expect(marketIdFromSearch('?market=BTC-USDT', markets)).toBe('BTC/USDT')
    expect(marketIdFromSearch('?market=eth-usdt', markets)).toBe('ETH/USDT')
    expect(marketIdFromSearch('?market=BTC%2FUSDT', markets)).toBe('BTC/USDT')
  })

  it('names no market for an unknown or missing one', () => {
    expect(marketIdFromSearch('?market=DOGE-USDT', markets)).toBeUndefined()
    expect(marketIdFromSearch('', markets)).toBeUndefined()
  })

  it('writes the market and keeps other parameters', () => {
    expect(searchWithMarket('', 'BTC/USDT')).toBe('?market=BTC-USDT')
    expect(searchWithMarket('?debug=1&market=ETH-USDT', 'BTC/USDT')).toBe(
      '?debug=1&market=BTC-USDT',
    )
    expect(marketIdFromSearch(searchWithMarket('', 'ETH/USDT'), markets)).toBe('ETH/USDT')
  })
})
