import { describe, expect, test } from 'vitest'
import { hashOrderId, TradeLogHasher } from './tradeLogHasher.ts'

describe('TradeLogHasher', () => {
  const run = (fills: [string, string, number, number][]) => {
    const hasher = new TradeLogHasher()
    for (const [maker, taker, price, lots] of fills) {
      hasher.add(...hashOrderId(maker), ...hashOrderId(taker), price, lots)
    }
    return hasher.digest()
  }

  test('is pinned, so a change to the hash is a visible, deliberate change', () => {
    expect(new TradeLogHasher().digest()).toMatchInlineSnapshot(`"3f8804feea688822"`)
    expect(run([['m1', 't1', 100, 5]])).toMatchInlineSnapshot(`"bbcce81a0e87ec3a"`)
  })

  test('depends on every field and on order', () => {
    const base = run([
      ['m1', 't1', 100, 5],
      ['m2', 't1', 101, 7],
    ])
    const variants = [
      run([
        ['m2', 't1', 101, 7],
        ['m1', 't1', 100, 5],
      ]),
      run([
        ['m1', 't2', 100, 5],
        ['m2', 't1', 101, 7],
      ]),
      run([
        ['m1', 't1', 100, 6],
        ['m2', 't1', 101, 7],
      ]),
      run([
        ['m1', 't1', 100 + 2 ** 32, 5],
        ['m2', 't1', 101, 7],
      ]),
      run([['m1', 't1', 100, 5]]),
    ]
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1)
    expect(base).toMatch(/^[0-9a-f]{16}$/)
  })

  test('order id hashes distinguish lengths and positions', () => {
    const ids = ['', 'a', 'a\0', 'ab', 'ba', '0x' + 'f'.repeat(64), '0x' + 'f'.repeat(63) + 'e']
    const hashes = ids.map((id) => hashOrderId(id).join(':'))
    expect(new Set(hashes).size).toBe(ids.length)
  })
})
