/**
 * A restart rebuilds the books from the open orders alone (`restoreOrder` in time priority and
 * `restoreMarketSeq`), not by replaying history: the rebuilt engine must hold the same book and
 * then answer every later operation exactly as the original does.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import { createMatchingEngine, type MatchingEngine } from './matchingEngine.ts'
import { defineUnitMarket } from './testing.ts'
import type { PlaceOrderParameters } from './types.ts'

const market = defineUnitMarket('R/Q', { maxLots: 1_000, maxPriceTicks: 1_000 })
const owners = ['0xa', '0xb', '0xc']
const engine = () => createMatchingEngine({ markets: [market], escrow: null })

const step = fc.record({
  kind: fc.constantFrom('buy', 'sell', 'buy', 'sell', 'cancel', 'cancelAll'),
  owner: fc.integer({ min: 0, max: 2 }),
  type: fc.constantFrom('limit', 'limit', 'post_only', 'ioc'),
  price: fc.integer({ min: 95, max: 105 }),
  lots: fc.integer({ min: 1, max: 20 }),
  target: fc.nat(),
})
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never

function run(target: MatchingEngine, steps: readonly Step[], placed: string[], first: number) {
  return steps.map((s, i) => {
    const owner = owners[s.owner]!
    if (s.kind === 'cancel') {
      const orderId = placed[s.target % Math.max(placed.length, 1)] ?? 'none'
      return target.cancel({ orderId, owner })
    }
    if (s.kind === 'cancelAll') return target.cancelAll({ market: market.id, owner })
    const order: PlaceOrderParameters = {
      orderId: `o${first + i}`,
      market: market.id,
      owner,
      side: s.kind,
      type: s.type,
      price: s.price,
      lots: s.lots,
    }
    placed.push(order.orderId)
    return target.place(order)
  })
}

it('rebuilds from the open orders in time priority a book that then behaves identically', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), fc.array(step, { maxLength: 30 }), (a, b) => {
      const original = engine()
      const placed: string[] = []
      run(original, a, placed, 0)
      const restored = engine()
      for (const orderId of placed) {
        const open = original.order(orderId)
        if (open !== undefined) restored.restoreOrder(open)
      }
      restored.restoreMarketSeq(market.id, original.marketSeq(market.id))
      expect(restored.bookHash()).toBe(original.bookHash())
      const later = [...placed]
      expect(run(restored, b, [...later], a.length)).toEqual(run(original, b, later, a.length))
      expect(restored.bookHash()).toBe(original.bookHash())
      expect(restored.depth(market.id, 50)).toEqual(original.depth(market.id, 50))
    }),
    { numRuns: 200 },
  )
})

it('refuses an order that is open already or would cross the book', () => {
  const book = engine()
  const bid = { orderId: 'b', market: market.id, owner: '0xa', side: 'buy' as const }
  book.restoreOrder({ ...bid, orderType: 'limit', price: 100, lots: 1, originalLots: 2 })
  expect(() =>
    book.restoreOrder({ ...bid, orderType: 'limit', price: 99, lots: 1, originalLots: 1 }),
  ).toThrow('is open')
  expect(() =>
    book.restoreOrder({
      ...bid,
      orderId: 'a',
      side: 'sell',
      orderType: 'limit',
      price: 100,
      lots: 1,
      originalLots: 1,
    }),
  ).toThrow('cross')
})
