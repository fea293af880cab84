import { describe, expect, it } from 'vitest'
import { fixtureTrade } from '../testing/tradeFixture.ts'
import { bookTopText, checkedLevels, tradeText } from './marketDataCheck.ts'

const levels = (entries: [number, number][]) =>
  new Map(entries.map(([price, quantity]) => [BigInt(price), BigInt(quantity)]))

describe('the texts market data is compared by', () => {
  it("a book's: its best levels of each side, best first, however they were kept", () => {
    const book = {
      bids: levels([
        [99, 1],
        [101, 2],
        [100, 3],
      ]),
      asks: levels([
        [105, 4],
        [103, 5],
      ]),
    }
    expect(bookTopText(book)).toBe('101:2,100:3,99:1|103:5,105:4')
  })

  it(`a book's: ${checkedLevels} levels a side, deeper ones (a snapshot's cut) not counted`, () => {
    const deep = Array.from({ length: 40 }, (_, i) => [100 - i, 1] as [number, number])
    const side = (entries: [number, number][]) => ({ bids: levels(entries), asks: levels([]) })
    expect(bookTopText(side(deep))).toBe(bookTopText(side(deep.slice(0, checkedLevels))))
    expect(bookTopText(side(deep))).not.toBe(bookTopText(side(deep.slice(1))))
  })

  it("a trade's: what it was, not the time its replica read for its batch", () => {
    const trade = fixtureTrade(3, { market: 'ETH/USDT', price: '2000', quantity: '1' })
    expect(tradeText({ ...trade, time: 1 })).toBe(tradeText({ ...trade, time: 2 }))
    expect(tradeText(trade)).not.toBe(tradeText({ ...trade, price: '2001' }))
    expect(tradeText(trade)).not.toBe(tradeText({ ...trade, taker: trade.maker }))
  })
})
