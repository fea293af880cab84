import { describe, expect, it } from 'vitest'
import { ServedCheck } from './servedCheck.ts'

describe('ServedCheck, 3 replicas of which 1 may lie', () => {
  const market = 'ETH-USDT'
  const truth = '100:5|101:5'
  const made = '100:5,99:900|101:5'
  const at = (seq: number, text: string, inMarket = market) => ({ market: inMarket, seq, text })

  it('names the stream replica once two others agree on another value at the same number', () => {
    const check = new ServedCheck(1, 8)
    expect(check.streamed(at(7, made), 'r1')).toBeUndefined()
    // One replica disagreeing proves nothing: it may be the liar.
    expect(check.answered('r3', [at(7, truth)])).toBeUndefined()
    expect(check.answered('r2', [at(7, truth)])).toEqual({
      replicaId: 'r1',
      market,
      seq: 7,
      contradictedBy: ['r2', 'r3'],
    })
  })

  it('judges every value shown at a number: a true one shown after a false one hides nothing', () => {
    const check = new ServedCheck(1, 8)
    check.streamed(at(7, made), 'r1')
    check.streamed(at(7, truth), 'r1')
    check.answered('r2', [at(7, truth)])
    expect(check.answered('r3', [at(7, truth)])?.seq).toBe(7)
  })

  it('judges answers that came before the stream reached their number, once it does', () => {
    const check = new ServedCheck(1, 8)
    check.answered('r2', [at(9, truth), at(8, truth)])
    check.answered('r3', [at(9, truth)])
    expect(check.streamed(at(8, truth), 'r1')).toBeUndefined()
    expect(check.streamed(at(9, made), 'r1')?.contradictedBy).toEqual(['r2', 'r3'])
  })

  it('names nobody when the others agree with the stream, with each other not, or at other numbers', () => {
    const check = new ServedCheck(1, 8)
    check.streamed(at(3, truth), 'r1')
    expect(check.answered('r2', [at(3, made)])).toBeUndefined()
    expect(check.answered('r3', [at(3, truth)])).toBeUndefined()
    check.streamed(at(4, truth), 'r1')
    check.answered('r2', [at(4, made)])
    expect(check.answered('r3', [at(4, '1:1|2:2')])).toBeUndefined()
    check.streamed(at(5, made), 'r1')
    check.answered('r2', [at(5, truth)])
    expect(check.answered('r3', [at(6, truth)])).toBeUndefined()
    // Another market's answers never count for this one.
    expect(check.answered('r3', [at(5, truth, 'BTC-USDT')])).toBeUndefined()
  })

  it("starts afresh with another replica's values, and names a liar once", () => {
    const check = new ServedCheck(1, 8)
    check.streamed(at(7, made), 'r1')
    // The stream moved to r3: what r1 showed is not r3's.
    check.streamed(at(8, truth), 'r3')
    check.answered('r2', [at(7, truth)])
    expect(check.answered('r1', [at(7, truth)])).toBeUndefined()
    // r3's own answers prove nothing about r3.
    check.streamed(at(9, made), 'r3')
    check.answered('r3', [at(9, truth)])
    expect(check.answered('r2', [at(9, truth)])).toBeUndefined()
    expect(check.answered('r1', [at(9, truth)])?.replicaId).toBe('r3')
    expect(check.answered('r1', [at(9, truth)])).toBeUndefined()
  })

  it("keeps each replica's latest answers only", () => {
    const check = new ServedCheck(1, 2)
    check.answered('r2', [at(1, truth), at(2, truth), at(3, truth)])
    check.answered('r3', [at(1, truth)])
    // r2 no longer holds number 1: r3 alone contradicts the stream there.
    expect(check.streamed(at(1, made), 'r1')).toBeUndefined()
  })
})
