import { expect, test } from 'vitest'
import * as orderbook from './index.ts'

test('the public surface is explicit: adding or removing a name shows up here', () => {
  expect(Object.keys(orderbook).sort()).toMatchInlineSnapshot(`
    [
      "MarketConfigError",
      "MatchingEngine",
      "TradeLogHasher",
      "UnknownMarketError",
      "baseAmount",
      "createMatchingEngine",
      "defineMarket",
      "devnetMarkets",
      "ethUsdt",
      "hashOrderId",
      "orderLockAmount",
      "quoteAmount",
      "toEngineMarket",
      "toOrderType",
      "toOrderUnits",
    ]
  `)
})
