import { describe, expect, it } from 'vitest'
import { BookCheck, bookTopText, checkedLevels } from './bookCheck.ts'

const levels = (entries: [number, number][]) =>
  new Map(entries.map(([price, quantity]) => [BigInt(price), BigInt(quantity)]))

describe('bookTopText', () => {
  it('is the best levels of each side, best first, whatever the order they were kept in', () => {
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

  it(`compares ${checkedLevels} levels a side: deeper ones (a snapshot's cut) do not count`, () => {
    const deep = Array.from({ length: 40 }, (_, i) => [100 - i, 1] as [number, number])
    const full = { bids: levels(deep), asks: levels([]) }
    const cut = { bids: levels(deep.slice(0, checkedLevels)), asks: levels([]) }
    expect(bookTopText(full)).toBe(bookTopText(cut))
    expect(bookTopText(full)).not.toBe(
      bookTopText({ bids: levels(deep.slice(1)), asks: levels([]) }),
    )
  })
})

describe('BookCheck, 3 replicas of which 1 may lie', () => {
  const market = 'ETH-USDT'
  const truth = '100:5|101:5'
  const made = '100:5,99:900|101:5'

  it('names the stream replica once two others agree on another book at the same seq', () => {
    const check = new BookCheck(1)
    expect(check.streamed({ market, seq: 7, top: made }, 'r1')).toBeUndefined()
    // One replica disagreeing proves nothing: it may be the liar.
    expect(check.answered('r2', { market, seq: 7, top: truth })).toBeUndefined()
    expect(check.answered('r3', { market, seq: 7, top: truth })).toEqual({
      replicaId: 'r1',
      market,
      seq: 7,
      contradictedBy: ['r2', 'r3'],
    })
  })

  it('judges answers that came before the stream reached their seq, once it does', () => {
    const check = new BookCheck(1)
    check.answered('r2', { market, seq: 9, top: truth })
    check.answered('r3', { market, seq: 9, top: truth })
    expect(check.streamed({ market, seq: 8, top: truth }, 'r1')).toBeUndefined()
    expect(check.streamed({ market, seq: 9, top: made }, 'r1')?.contradictedBy).toEqual([
      'r2',
      'r3',
    ])
  })

  it('names nobody when the others agree with the stream, disagree with each other, or differ in seq', () => {
    const check = new BookCheck(1)
    check.streamed({ market, seq: 3, top: truth }, 'r1')
    expect(check.answered('r2', { market, seq: 3, top: made })).toBeUndefined()
    expect(check.answered('r3', { market, seq: 3, top: truth })).toBeUndefined()
    check.streamed({ market, seq: 4, top: truth }, 'r1')
    check.answered('r2', { market, seq: 4, top: made })
    expect(check.answered('r3', { market, seq: 4, top: '1:1|2:2' })).toBeUndefined()
    check.streamed({ market, seq: 5, top: made }, 'r1')
    check.answered('r2', { market, seq: 5, top: truth })
    expect(check.answered('r3', { market, seq: 6, top: truth })).toBeUndefined()
    // Another market's answers never count for this one.
    expect(check.answered('r3', { market: 'BTC-USDT', seq: 5, top: truth })).toBeUndefined()
  })

  it("starts afresh with another replica's books, and names a liar once", () => {
    const check = new BookCheck(1)
    check.streamed({ market, seq: 7, top: made }, 'r1')
    // The stream moved to r3: what r1 showed is not r3's.
    check.streamed({ market, seq: 8, top: truth }, 'r3')
    check.answered('r2', { market, seq: 7, top: truth })
    expect(check.answered('r1', { market, seq: 7, top: truth })).toBeUndefined()
    // r3's own answers prove nothing about r3.
    check.streamed({ market, seq: 9, top: made }, 'r3')
    check.answered('r3', { market, seq: 9, top: truth })
    expect(check.answered('r2', { market, seq: 9, top: truth })).toBeUndefined()
    expect(check.answered('r1', { market, seq: 9, top: truth })?.replicaId).toBe('r3')
    expect(check.answered('r1', { market, seq: 9, top: truth })).toBeUndefined()
  })
})
