import { describe, expect, it } from 'vitest'
import { createTokenRegistry, parseMarket, parseToken } from './tokens.ts'

const registry = createTokenRegistry([
  { symbol: 'ETH', decimals: 18 },
  { symbol: 'USDT', decimals: 6 },
])

describe('createTokenRegistry', () => {
  it.each([
    [[{ symbol: 'usdt', decimals: 6 }], /Invalid token symbol/],
    [[{ symbol: 'USDT', decimals: 6.5 }], /Invalid decimals/],
    [[{ symbol: 'USDT', decimals: -1 }], /Invalid decimals/],
    [[{ symbol: 'USDT', decimals: 31 }], /Invalid decimals/],
    [
      [
        { symbol: 'USDT', decimals: 6 },
        { symbol: 'USDT', decimals: 6 },
      ],
      /Duplicate token/,
    ],
  ])('refuses a bad configuration %j', (tokens, message) => {
    expect(() => createTokenRegistry(tokens)).toThrow(message)
  })
})

describe('parseToken', () => {
  it('finds known tokens and tells malformed from unknown symbols', () => {
    expect(parseToken(registry, 'USDT')).toEqual({
      ok: true,
      value: { symbol: 'USDT', decimals: 6 },
    })
    expect(parseToken(registry, 'DAI')).toEqual({ ok: false, reason: 'unknown_token' })
    expect(parseToken(registry, 'usdt')).toEqual({ ok: false, reason: 'invalid_token' })
    expect(parseToken(registry, '__proto__')).toEqual({ ok: false, reason: 'invalid_token' })
    expect(parseToken(registry, 'CONSTRUCTOR')).toEqual({ ok: false, reason: 'unknown_token' })
  })
})

describe('parseMarket', () => {
  it('splits a market into its two tokens', () => {
    const result = parseMarket(registry, 'ETH/USDT')
    expect(result.ok && result.value.market).toEqual({
      symbol: 'ETH/USDT',
      base: 'ETH',
      quote: 'USDT',
    })
  })

  it.each([
    ['ETH-USDT', 'invalid_market'],
    ['ETH/USDT/ETH', 'invalid_market'],
    ['eth/usdt', 'invalid_market'],
    ['ETH/ ', 'invalid_market'],
    ['ETH/DAI', 'unknown_token'],
    ['ETH/ETH', 'market_tokens_equal'],
  ])('rejects %j', (symbol, reason) => {
    expect(parseMarket(registry, symbol)).toEqual({ ok: false, reason })
  })
})
