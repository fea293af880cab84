/**
 * Books of 100k price levels built in the worst order (each new bid below the last, each new ask
 * above the last), then thinned by cancels spread over the whole book and swept from the top:
 * the engine must agree with the naive reference engine event for event, in depth, balances and
 * trade log, and a replay of the same history (what a restart does) must rebuild the same book.
 */
import { describe, expect, test } from 'vitest'
import { createMatchingEngine, type MatchingEngine } from './matchingEngine.ts'
import { ReferenceEngine } from './referenceEngine.ts'
import { createInMemoryEscrow, defineUnitMarket, type InMemoryEscrow } from './testing.ts'
import type { OperationResult, OrderSide, OrderType, PlaceOrderParameters } from './types.ts'

const market = defineUnitMarket('DEEP/QUOTE', { maxLots: 1_000_000, maxPriceTicks: 1_000_000 })
const owners = ['0xa', '0xb', '0xc']
const levels = 100_000
/** The first (best) price of the bids; asks start one tick above it. */
const top = 500_000

type Operation =
  | { kind: 'place'; order: PlaceOrderParameters }
  | { kind: 'cancel'; orderId: string; owner: string }

function place(
  orderId: string,
  owner: string,
  side: OrderSide,
  type: OrderType,
  price: number,
  lots: number,
): Operation {
  return { kind: 'place', order: { orderId, market: market.id, owner, side, type, price, lots } }
}

/**
 * One side's history: `levels` orders each one tick worse than the last (every 97th level gets a
 * second order), cancels of every third order in a scattered order, then sweeps from the other
 * side (`ioc`, `market`, and `limit` that rests what is left), each crossing about 900 levels.
 */
function history(side: OrderSide): Operation[] {
  const buy = side === 'buy'
  const priceAt = (i: number) => (buy ? top - i : top + 1 + i)
  const ops: Operation[] = []
  for (let i = 0; i < levels; i++) {
    const owner = owners[i % owners.length] as string
    ops.push(place(`${side}-${i}`, owner, side, 'limit', priceAt(i), 1 + (i % 7)))
    if (i % 97 === 0) {
      ops.push(place(`${side}-${i}-again`, owner, side, 'post_only', priceAt(i >> 1), 2))
    }
  }
  // A stride coprime with the number of thirds visits every third order once, all over the book.
  const thirds = Math.ceil(levels / 3)
  for (let k = 0; k < thirds; k++) {
    const i = ((k * 7_919) % thirds) * 3
    ops.push({
      kind: 'cancel',
      orderId: `${side}-${i}`,
      owner: owners[i % owners.length] as string,
    })
  }
  const other: OrderSide = buy ? 'sell' : 'buy'
  const types: OrderType[] = ['ioc', 'market', 'limit']
  for (let k = 1; k <= 24; k++) {
    const worst = priceAt(k * 900)
    const owner = owners[k % owners.length] as string
    ops.push(place(`${other}-sweep-${k}`, owner, other, types[k % 3] as OrderType, worst, 2_500))
  }
  return ops
}

function apply(engine: MatchingEngine | ReferenceEngine, op: Operation): OperationResult {
  return op.kind === 'place'
    ? engine.place(op.order)
    : engine.cancel({ orderId: op.orderId, owner: op.owner })
}

function funded(): InMemoryEscrow {
  const escrow = createInMemoryEscrow()
  for (const owner of owners) {
    escrow.deposit(owner, market.base, 10n ** 12n)
    escrow.deposit(owner, market.quote, 10n ** 15n)
  }
  return escrow
}

/** Equal event lists; most carry no bigint, and JSON compares those fast (`toEqual` reports). */
function expectSameEvents(actual: OperationResult, expected: OperationResult): void {
  const plain = (result: OperationResult) =>
    result.events.some((event) => event.type === 'fill')
      ? null
      : JSON.stringify([result.ok, result.events])
  const text = plain(actual)
  if (text === null || text !== plain(expected)) {
    expect([actual.ok, actual.events]).toEqual([expected.ok, expected.events])
  }
}

describe('100k price levels inserted in the worst order', () => {
  test.each<OrderSide>(['buy', 'sell'])(
    '%s side: the engine agrees with the reference engine',
    (side) => {
      const ops = history(side)
      const escrow = funded()
      const engine = createMatchingEngine({ markets: [market], escrow })
      const referenceEscrow = funded()
      const reference = new ReferenceEngine([market], referenceEscrow)
      let fills = 0
      for (const op of ops) {
        const result = apply(engine, op)
        const expected = apply(reference, op)
        expectSameEvents(result, expected)
        for (const event of result.events) if (event.type === 'fill') fills += 1
        if (op.kind === 'place' && op.order.orderId === `${side}-${levels - 1}`) {
          const depth = engine.depth(market.id, Number.MAX_SAFE_INTEGER)
          expect(depth[side === 'buy' ? 'bids' : 'asks']).toHaveLength(levels)
        }
      }
      expect(fills).toBeGreaterThan(5_000)
      const depth = engine.depth(market.id, Number.MAX_SAFE_INTEGER)
      const expectedDepth = reference.depth(market.id, Number.MAX_SAFE_INTEGER)
      expect(depth.bids.length + depth.asks.length).toBeGreaterThan(40_000)
      expect(JSON.stringify(depth.bids)).toBe(JSON.stringify(expectedDepth.bids))
      expect(JSON.stringify(depth.asks)).toBe(JSON.stringify(expectedDepth.asks))
      expect(escrow.listBalances()).toEqual(referenceEscrow.listBalances())
      expect(engine.tradeLogHash()).toBe(reference.tradeLogHash())
    },
  )

  test('replaying the history on a new engine (a restart) rebuilds the same book', () => {
    const ops = history('buy')
    const run = () => {
      const engine = createMatchingEngine({ markets: [market], escrow: null })
      for (const op of ops) apply(engine, op)
      return engine
    }
    const [first, second] = [run(), run()]
    expect(second.bookHash()).toBe(first.bookHash())
    expect(second.tradeLogHash()).toBe(first.tradeLogHash())
    const depth = first.depth(market.id, Number.MAX_SAFE_INTEGER)
    const again = second.depth(market.id, Number.MAX_SAFE_INTEGER)
    expect(JSON.stringify(again)).toBe(JSON.stringify(depth))
    expect(depth.seq).toBeGreaterThan(levels)
  })
})
