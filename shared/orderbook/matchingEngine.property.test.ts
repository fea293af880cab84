import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { defineMarket, orderLockAmount, type Market } from './markets.ts'
import { createMatchingEngine, type MatchingEngine } from './matchingEngine.ts'
import { ReferenceEngine } from './referenceEngine.ts'
import { createInMemoryEscrow, type InMemoryEscrow } from './testing.ts'
import type { BookDelta, OperationResult, OrderSide, OrderType } from './types.ts'

// Two markets sharing a quote token; tick and lot sizes other than 1 so unit mistakes show.
const first = defineMarket({
  id: 'AAA/QQQ',
  base: 'AAA',
  quote: 'QQQ',
  baseDecimals: 1,
  quoteDecimals: 2,
  tickQuoteUnitsPerLot: 3n,
  lotBaseUnits: 5n,
  minLots: 2,
  maxLots: 40,
  maxPriceTicks: 200,
})
const second = defineMarket({ ...first, id: 'BBB/QQQ', base: 'BBB' })
const markets: Market[] = [first, second]
const owners = ['0xa', '0xb', '0xc', '0xd']
const tokens = ['AAA', 'BBB', 'QQQ']

type Operation =
  | {
      kind: 'place'
      orderId: string
      market: string
      owner: string
      side: OrderSide
      type: OrderType
      price: number
      lots: number
    }
  | { kind: 'cancel'; orderId: string; owner: string }
  | { kind: 'cancelAll'; market: string; owner: string }

const orderIds = fc.integer({ min: 0, max: 60 }).map((n) => `order-${n}`)
const owner = fc.constantFrom(...owners)
const marketId = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(first.id, second.id) },
  { weight: 1, arbitrary: fc.constant('ZZZ/QQQ') },
)
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      orderId: orderIds,
      market: marketId,
      owner,
      side: fc.constantFrom<OrderSide>('buy', 'sell'),
      type: fc.constantFrom<OrderType>('limit', 'limit', 'ioc', 'post_only', 'market'),
      price: fc.oneof(
        { weight: 20, arbitrary: fc.integer({ min: 95, max: 105 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 201, 100.5) },
      ),
      lots: fc.oneof(
        { weight: 20, arbitrary: fc.integer({ min: 1, max: 30 }) },
        { weight: 1, arbitrary: fc.constantFrom(0, 41) },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), orderId: orderIds, owner }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancelAll' as const), market: marketId, owner }),
  },
)
// Small balances for some owners so insufficient_balance happens too.
const deposits = fc.tuple(
  ...owners.flatMap(() => tokens.map(() => fc.bigInt({ min: 0n, max: 60_000n }))),
)

function fund(amounts: bigint[]): InMemoryEscrow {
  const escrow = createInMemoryEscrow()
  owners.forEach((address, i) =>
    tokens.forEach((token, j) =>
      escrow.deposit(address, token, amounts[i * tokens.length + j] ?? 0n),
    ),
  )
  return escrow
}

function apply(engine: MatchingEngine | ReferenceEngine, op: Operation): OperationResult {
  if (op.kind === 'place') {
    const { kind: _, ...order } = op
    return engine.place(order)
  }
  if (op.kind === 'cancel') return engine.cancel({ orderId: op.orderId, owner: op.owner })
  return engine.cancelAll({ market: op.market, owner: op.owner })
}

/** A plain assertion: `expect` is too slow for the hundreds of thousands of checks below. */
function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message())
}

/** Every invariant that must hold between operations. */
function checkInvariants(engine: MatchingEngine, escrow: InMemoryEscrow, supply: bigint[]): void {
  for (const market of markets) {
    const { bids, asks } = engine.depth(market.id, 1)
    const [bid, ask] = [bids[0], asks[0]]
    check(bid === undefined || ask === undefined || bid.price < ask.price, () => 'book crossed')
  }
  tokens.forEach((token, i) =>
    check(escrow.totalSupply(token) === supply[i], () => `${token} supply changed`),
  )
  for (const line of escrow.listBalances()) {
    const [, , available, locked] = line.split('|')
    check(BigInt(available ?? '') >= 0n && BigInt(locked ?? '') >= 0n, () => `negative: ${line}`)
  }
  // What is locked is exactly what the open orders need.
  for (const address of owners) {
    const needed = new Map<string, bigint>(tokens.map((token) => [token, 0n]))
    for (const market of markets) {
      for (const order of engine.openOrders(market.id, address)) {
        const { token, amount } = orderLockAmount(market, order.side, order.price, order.lots)
        needed.set(token, (needed.get(token) ?? 0n) + amount)
      }
    }
    for (const token of tokens) {
      const locked = escrow.locked(address, token)
      check(locked === needed.get(token), () => `${address} ${token} locked ${locked}`)
    }
  }
}

/** Applies deltas to a mirror of the book, as a market-data subscriber would. */
class DepthMirror {
  private readonly levels = new Map<string, Map<string, number>>()
  private readonly seq = new Map<string, number>()

  apply(deltas: readonly BookDelta[]): void {
    for (const delta of deltas) {
      const expected = (this.seq.get(delta.market) ?? 0) + 1
      check(delta.seq === expected, () => `delta seq ${delta.seq}, expected ${expected}`)
      this.seq.set(delta.market, delta.seq)
      const levels = this.levels.get(delta.market) ?? new Map<string, number>()
      this.levels.set(delta.market, levels)
      const key = `${delta.side}|${delta.price}`
      if (delta.newTotalLots === 0) levels.delete(key)
      else levels.set(key, delta.newTotalLots)
    }
  }

  check(engine: MatchingEngine): void {
    for (const market of markets) {
      const depth = engine.depth(market.id, 1_000)
      const expected = new Map<string, number>()
      for (const level of depth.bids) expected.set(`buy|${level.price}`, level.lots)
      for (const level of depth.asks) expected.set(`sell|${level.price}`, level.lots)
      expect(this.levels.get(market.id) ?? new Map()).toEqual(expected)
      expect(this.seq.get(market.id) ?? 0).toBe(depth.seq)
    }
  }
}

function run(amounts: bigint[], ops: Operation[]) {
  const escrow = fund(amounts)
  const engine = createMatchingEngine({ markets, escrow })
  const results = ops.map((op) => apply(engine, op))
  return { engine, escrow, results }
}

const streams = fc.tuple(
  deposits,
  fc.array(operation, { minLength: 1, maxLength: 200, size: 'max' }),
)

describe('matching engine properties over random operation streams', () => {
  test('after every operation: uncrossed book, conserved supply, exact locks, deltas', () => {
    fc.assert(
      fc.property(streams, ([amounts, ops]) => {
        const escrow = fund(amounts)
        const supply = tokens.map((token) => escrow.totalSupply(token))
        const engine = createMatchingEngine({ markets, escrow })
        const mirror = new DepthMirror()
        for (const op of ops) {
          const before = `${engine.bookHash()}${escrow.listBalances().join()}`
          const result = apply(engine, op)
          if (!result.ok) {
            const after = `${engine.bookHash()}${escrow.listBalances().join()}`
            check(after === before, () => `rejected ${result.reason} changed the state`)
          }
          mirror.apply(result.deltas)
          checkInvariants(engine, escrow, supply)
        }
        mirror.check(engine)
      }),
      { numRuns: 100 },
    )
  })

  test('the engine agrees with the naive reference engine event for event', () => {
    fc.assert(
      fc.property(streams, ([amounts, ops]) => {
        const { engine, escrow, results } = run(amounts, ops)
        const referenceEscrow = fund(amounts)
        const reference = new ReferenceEngine(markets, referenceEscrow)
        ops.forEach((op, i) => {
          const expected = apply(reference, op)
          expect(results[i]?.events).toEqual(expected.events)
          expect(results[i]?.ok).toBe(expected.ok)
        })
        for (const market of markets) {
          const { bids, asks } = engine.depth(market.id, 1_000)
          expect(reference.depth(market.id, 1_000).bids).toEqual(bids)
          expect(reference.depth(market.id, 1_000).asks).toEqual(asks)
        }
        expect(escrow.listBalances()).toEqual(referenceEscrow.listBalances())
        expect(engine.tradeLogHash()).toBe(reference.tradeLogHash())
      }),
      { numRuns: 100 },
    )
  })

  test('replaying the same stream gives the same events, trade-log hash and book hash', () => {
    fc.assert(
      fc.property(streams, ([amounts, ops]) => {
        const one = run(amounts, ops)
        const two = run(amounts, ops)
        expect(two.results).toEqual(one.results)
        expect(two.engine.tradeLogHash()).toBe(one.engine.tradeLogHash())
        expect(two.engine.bookHash()).toBe(one.engine.bookHash())
        expect(two.escrow.listBalances()).toEqual(one.escrow.listBalances())
      }),
      { numRuns: 60 },
    )
  })
})

// Books hundreds of levels deep per side, so the level tree (64 levels per node) splits, borrows
// and merges under matching, cancels and sweeps. Prices and ids are drawn without fast-check's
// bias towards small values, which would pile the orders onto a few levels.
const wide = defineMarket({ ...first, id: 'WIDE/QQQ', maxLots: 60, maxPriceTicks: 4_000 })
const wideMid = 2_000
const wideOrderId = fc.noBias(fc.integer({ min: 0, max: 4_000 })).map((n) => `w${n}`)
const widePlace: fc.Arbitrary<Operation> = fc
  .record({
    orderId: wideOrderId,
    owner,
    buy: fc.boolean(),
    type: fc.oneof(
      { weight: 6, arbitrary: fc.constant<OrderType>('limit') },
      { weight: 1, arbitrary: fc.constantFrom<OrderType>('post_only', 'ioc', 'market') },
    ),
    crossing: fc.noBias(fc.integer({ min: 0, max: 19 })).map((n) => n === 0),
    offset: fc.noBias(fc.integer({ min: 1, max: 1_500 })),
    lots: fc.noBias(fc.integer({ min: 2, max: 60 })),
  })
  .map(({ buy, type, crossing, offset, lots, ...order }) => {
    // Resting orders sit on their own side of the mid; immediate ones (and a few limits) cross
    // it, with half the size so that the book grows.
    const aggressive = type === 'ioc' || type === 'market' || crossing
    const price = buy !== aggressive ? wideMid - offset : wideMid + offset
    const side: OrderSide = buy ? 'buy' : 'sell'
    const size = aggressive ? 1 + (lots >> 1) : lots
    return { kind: 'place', ...order, market: wide.id, side, type, price, lots: size }
  })
const wideOperation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: widePlace },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('cancel' as const), orderId: wideOrderId, owner }),
  },
)

function fundWide(): InMemoryEscrow {
  return createInMemoryEscrow(
    owners.flatMap((address) => tokens.map((token) => [address, token, 10n ** 12n] as const)),
  )
}

test('on books hundreds of levels deep the engine agrees with the reference engine', () => {
  const streamsOfWideBooks = fc.tuple(
    fc.array(wideOperation, { minLength: 1, maxLength: 1_000, size: 'max' }),
    owner,
  )
  let deepest = 0
  fc.assert(
    fc.property(streamsOfWideBooks, ([ops, leaving]) => {
      const escrow = fundWide()
      const engine = createMatchingEngine({ markets: [wide], escrow })
      const referenceEscrow = fundWide()
      const reference = new ReferenceEngine([wide], referenceEscrow)
      // At the end one owner cancels everything: levels go from all over the book at once.
      const cancelAll: Operation = { kind: 'cancelAll', market: wide.id, owner: leaving }
      for (const op of [...ops, cancelAll]) {
        if (op === cancelAll) {
          const { bids, asks } = engine.depth(wide.id, Number.MAX_SAFE_INTEGER)
          deepest = Math.max(deepest, bids.length, asks.length)
        }
        const result = apply(engine, op)
        expect(result.events).toEqual(apply(reference, op).events)
        const { bids, asks } = engine.depth(wide.id, 1)
        const [bid, ask] = [bids[0], asks[0]]
        check(bid === undefined || ask === undefined || bid.price < ask.price, () => 'crossed')
      }
      const depth = engine.depth(wide.id, Number.MAX_SAFE_INTEGER)
      const expected = reference.depth(wide.id, Number.MAX_SAFE_INTEGER)
      expect(depth.bids).toEqual(expected.bids)
      expect(depth.asks).toEqual(expected.asks)
      expect(escrow.listBalances()).toEqual(referenceEscrow.listBalances())
      expect(engine.tradeLogHash()).toBe(reference.tradeLogHash())
    }),
    { numRuns: 25 },
  )
  // The streams do reach several leaves (of at most 64 levels) on a side.
  expect(deepest).toBeGreaterThan(2 * 64)
})
