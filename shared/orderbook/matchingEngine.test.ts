import { describe, expect, test } from 'vitest'
import { defineMarket, ethUsdt, type Market } from './markets.ts'
import { createMatchingEngine, UnknownMarketError } from './matchingEngine.ts'
import { createInMemoryEscrow, defineUnitMarket } from './testing.ts'
import type { FillEvent, OrderEvent, OrderSide, OrderType, PlaceOrderParameters } from './types.ts'

/** Amounts equal ticks × lots, so expectations read directly. */
const market = defineUnitMarket('BASE/QUOTE', { maxLots: 1_000, maxPriceTicks: 10_000 })
const other = defineMarket({ ...market, id: 'OTHER/QUOTE', base: 'OTHER' })
const funds = 1_000_000n

function setup(markets: Market[] = [market, other]) {
  const owners = ['alice', 'bob', 'carol']
  const escrow = createInMemoryEscrow(
    owners.flatMap((owner) => [
      [owner, 'BASE', funds] as const,
      [owner, 'QUOTE', funds] as const,
      [owner, 'OTHER', funds] as const,
    ]),
  )
  const engine = createMatchingEngine({ markets, escrow })
  let next = 0
  const place = (
    owner: string,
    side: OrderSide,
    type: OrderType,
    price: number,
    lots: number,
    extra: Partial<PlaceOrderParameters> = {},
  ) => {
    next += 1
    return engine.place({
      orderId: `o${next}`,
      market: market.id,
      owner,
      side,
      type,
      price,
      lots,
      ...extra,
    })
  }
  const state = () => ({ book: engine.bookHash(), balances: escrow.listBalances() })
  return { engine, escrow, place, state }
}

const fills = (events: readonly OrderEvent[]) =>
  events.filter((event): event is FillEvent => event.type === 'fill')
const types = (events: readonly OrderEvent[]) => events.map((event) => event.type)

describe('limit orders', () => {
  test('a non-crossing limit rests and locks its amount', () => {
    const { engine, escrow, place } = setup()
    const bid = place('alice', 'buy', 'limit', 100, 5)
    expect(bid.ok).toBe(true)
    expect(types(bid.events)).toEqual(['accepted', 'rested'])
    expect(escrow.locked('alice', 'QUOTE')).toBe(500n)
    expect(escrow.available('alice', 'QUOTE')).toBe(funds - 500n)
    place('bob', 'sell', 'limit', 101, 7)
    expect(escrow.locked('bob', 'BASE')).toBe(7n)
    expect(engine.depth(market.id, 10)).toEqual({
      market: market.id,
      seq: 2,
      bids: [{ price: 100, lots: 5, orders: 1 }],
      asks: [{ price: 101, lots: 7, orders: 1 }],
    })
  })

  test('price priority first, then time priority within a price', () => {
    const { place } = setup()
    place('alice', 'sell', 'limit', 102, 5) // o1: worse price, earliest
    place('bob', 'sell', 'limit', 101, 5) // o2: best price
    place('alice', 'sell', 'limit', 101, 5) // o3: best price, later
    const taker = place('carol', 'buy', 'limit', 102, 12)
    expect(fills(taker.events).map((fill) => [fill.makerOrderId, fill.price, fill.lots])).toEqual([
      ['o2', 101, 5],
      ['o3', 101, 5],
      ['o1', 102, 2],
    ])
  })

  test('a trade executes at the maker price and the buying taker gets the difference back', () => {
    const { escrow, place } = setup()
    place('bob', 'sell', 'limit', 90, 10)
    const taker = place('alice', 'buy', 'limit', 100, 10)
    const [fill] = fills(taker.events)
    expect(fill).toMatchObject({
      price: 90,
      lots: 10,
      baseAmount: 10n,
      quoteAmount: 900n,
      priceImprovement: 100n,
      maker: 'bob',
      taker: 'alice',
      takerSide: 'buy',
    })
    expect(escrow.available('alice', 'QUOTE')).toBe(funds - 900n)
    expect(escrow.locked('alice', 'QUOTE')).toBe(0n)
    expect(escrow.available('alice', 'BASE')).toBe(funds + 10n)
    expect(escrow.available('bob', 'QUOTE')).toBe(funds + 900n)
    expect(escrow.locked('bob', 'BASE')).toBe(0n)
    expect(escrow.available('bob', 'BASE')).toBe(funds - 10n)
  })

  test('a selling taker receives the higher maker price', () => {
    const { escrow, place } = setup()
    place('bob', 'buy', 'limit', 110, 10)
    const taker = place('alice', 'sell', 'limit', 100, 10)
    expect(fills(taker.events)[0]).toMatchObject({
      price: 110,
      quoteAmount: 1100n,
      priceImprovement: 0n,
    })
    expect(escrow.available('alice', 'QUOTE')).toBe(funds + 1100n)
    expect(escrow.available('bob', 'QUOTE')).toBe(funds - 1100n)
    expect(escrow.locked('bob', 'QUOTE')).toBe(0n)
  })

  test('a partially filled maker keeps its place at the head of the queue', () => {
    const { engine, place } = setup()
    place('bob', 'sell', 'limit', 100, 10) // o1
    place('carol', 'sell', 'limit', 100, 10) // o2
    const first = place('alice', 'buy', 'limit', 100, 4)
    expect(fills(first.events)[0]).toMatchObject({
      makerOrderId: 'o1',
      makerRemainingLots: 6,
      takerRemainingLots: 0,
    })
    expect(types(first.events)).toEqual(['accepted', 'fill', 'filled'])
    const second = place('alice', 'buy', 'limit', 100, 8)
    expect(fills(second.events).map((fill) => [fill.makerOrderId, fill.lots])).toEqual([
      ['o1', 6],
      ['o2', 2],
    ])
    expect(engine.order('o2')).toMatchObject({ lots: 8, originalLots: 10 })
  })

  test('the unfilled rest of a crossing limit rests at its own price', () => {
    const { engine, escrow, place } = setup()
    place('bob', 'sell', 'limit', 100, 3)
    const taker = place('alice', 'buy', 'limit', 105, 10)
    expect(types(taker.events)).toEqual(['accepted', 'fill', 'filled', 'rested'])
    expect(taker.events.at(-1)).toMatchObject({ type: 'rested', price: 105, lots: 7 })
    expect(engine.depth(market.id, 5).bids).toEqual([{ price: 105, lots: 7, orders: 1 }])
    expect(engine.depth(market.id, 5).asks).toEqual([])
    expect(escrow.locked('alice', 'QUOTE')).toBe(7n * 105n)
  })

  test('a sweep reports one delta per level, with increasing sequence numbers', () => {
    const { place } = setup()
    place('bob', 'sell', 'limit', 101, 2)
    place('bob', 'sell', 'limit', 102, 2)
    place('bob', 'sell', 'limit', 103, 2)
    const taker = place('alice', 'buy', 'limit', 102, 5)
    expect(taker.deltas).toEqual([
      { market: market.id, seq: 4, side: 'sell', price: 101, newTotalLots: 0 },
      { market: market.id, seq: 5, side: 'sell', price: 102, newTotalLots: 0 },
      { market: market.id, seq: 6, side: 'buy', price: 102, newTotalLots: 1 },
    ])
  })
})

describe('immediate orders', () => {
  test('ioc fills what crosses and cancels the rest, releasing its lock', () => {
    const { engine, escrow, place } = setup()
    place('bob', 'sell', 'limit', 100, 3)
    place('bob', 'sell', 'limit', 106, 3)
    const taker = place('alice', 'buy', 'ioc', 105, 10)
    expect(types(taker.events)).toEqual(['accepted', 'fill', 'filled', 'cancelled'])
    expect(taker.events.at(-1)).toMatchObject({ reason: 'ioc_remainder', remainingLots: 7 })
    expect(engine.depth(market.id, 5).bids).toEqual([])
    expect(escrow.locked('alice', 'QUOTE')).toBe(0n)
    expect(escrow.available('alice', 'QUOTE')).toBe(funds - 300n)
  })

  test('ioc is rejected with no_liquidity when nothing crosses', () => {
    const { escrow, place } = setup()
    place('bob', 'sell', 'limit', 106, 3)
    const taker = place('alice', 'buy', 'ioc', 105, 10)
    expect(taker).toMatchObject({ ok: false, reason: 'no_liquidity' })
    expect(escrow.locked('alice', 'QUOTE')).toBe(0n)
  })

  test('a market order fills down to its signed worst price and no further', () => {
    const { engine, escrow, place } = setup()
    place('bob', 'buy', 'limit', 100, 2)
    place('bob', 'buy', 'limit', 98, 2)
    place('bob', 'buy', 'limit', 90, 2)
    const taker = place('alice', 'sell', 'market', 95, 10)
    expect(fills(taker.events).map((fill) => fill.price)).toEqual([100, 98])
    expect(taker.events.at(-1)).toMatchObject({
      type: 'cancelled',
      reason: 'ioc_remainder',
      remainingLots: 6,
    })
    expect(engine.depth(market.id, 5).bids).toEqual([{ price: 90, lots: 2, orders: 1 }])
    expect(escrow.locked('alice', 'BASE')).toBe(0n)
    expect(escrow.available('alice', 'QUOTE')).toBe(funds + 200n + 196n)
  })

  test('a market buy locks at its worst price and is refunded to the prices it got', () => {
    const { escrow, place } = setup()
    place('bob', 'sell', 'limit', 100, 4)
    const taker = place('alice', 'buy', 'market', 120, 4)
    expect(fills(taker.events)[0]?.priceImprovement).toBe(80n)
    expect(escrow.available('alice', 'QUOTE')).toBe(funds - 400n)
    expect(escrow.locked('alice', 'QUOTE')).toBe(0n)
  })

  test('a market order on an empty side is rejected with no_liquidity', () => {
    const { place } = setup()
    expect(place('alice', 'buy', 'market', 120, 4)).toMatchObject({
      ok: false,
      reason: 'no_liquidity',
    })
  })
})

describe('post-only orders', () => {
  test('rest when they do not cross', () => {
    const { engine, place } = setup()
    place('bob', 'sell', 'limit', 101, 3)
    const maker = place('alice', 'buy', 'post_only', 100, 3)
    expect(types(maker.events)).toEqual(['accepted', 'rested'])
    expect(engine.order('o2')).toMatchObject({ orderType: 'post_only', lots: 3 })
  })

  test('are rejected when they would cross, even against the same owner', () => {
    const { place, state } = setup()
    place('alice', 'sell', 'limit', 100, 3)
    const before = state()
    expect(place('alice', 'buy', 'post_only', 100, 3)).toMatchObject({
      ok: false,
      reason: 'post_only_would_cross',
    })
    expect(state()).toEqual(before)
  })
})

describe('cancel', () => {
  test('the owner cancels an open order and gets its lock back', () => {
    const { engine, escrow, place } = setup()
    place('alice', 'buy', 'limit', 100, 5)
    const result = engine.cancel({ orderId: 'o1', owner: 'alice' })
    expect(result.events).toEqual([
      {
        type: 'cancelled',
        market: market.id,
        orderId: 'o1',
        owner: 'alice',
        remainingLots: 5,
        reason: 'user_cancelled',
      },
    ])
    expect(result.deltas).toEqual([
      { market: market.id, seq: 2, side: 'buy', price: 100, newTotalLots: 0 },
    ])
    expect(escrow.locked('alice', 'QUOTE')).toBe(0n)
    expect(escrow.available('alice', 'QUOTE')).toBe(funds)
    expect(engine.order('o1')).toBeUndefined()
  })

  test('a partially filled order releases only what is still open', () => {
    const { engine, escrow, place } = setup()
    place('bob', 'sell', 'limit', 100, 10)
    place('alice', 'buy', 'limit', 100, 4)
    engine.cancel({ orderId: 'o1', owner: 'bob' })
    expect(escrow.locked('bob', 'BASE')).toBe(0n)
    expect(escrow.available('bob', 'BASE')).toBe(funds - 4n)
  })

  test('someone else cannot cancel it', () => {
    const { engine, place, state } = setup()
    place('alice', 'buy', 'limit', 100, 5)
    const before = state()
    expect(engine.cancel({ orderId: 'o1', owner: 'bob' })).toMatchObject({
      ok: false,
      reason: 'not_owner',
      events: [{ type: 'rejected', operation: 'cancel', market: market.id, orderId: 'o1' }],
    })
    expect(state()).toEqual(before)
  })

  test('unknown, filled and already cancelled orders are unknown_order', () => {
    const { engine, place } = setup()
    place('alice', 'buy', 'limit', 100, 5)
    place('bob', 'sell', 'limit', 100, 5)
    const unknown = { reason: 'unknown_order' }
    expect(engine.cancel({ orderId: 'o1', owner: 'alice' })).toMatchObject(unknown)
    expect(engine.cancel({ orderId: 'nope', owner: 'alice' })).toMatchObject(unknown)
    place('alice', 'buy', 'limit', 100, 5)
    expect(engine.cancel({ orderId: 'o3', owner: 'alice' }).ok).toBe(true)
    expect(engine.cancel({ orderId: 'o3', owner: 'alice' })).toMatchObject(unknown)
  })
})

describe('cancel all', () => {
  test('cancels the owner’s orders in that market only, oldest first', () => {
    const { engine, escrow, place } = setup()
    place('alice', 'buy', 'limit', 100, 5) // o1
    place('bob', 'buy', 'limit', 100, 5) // o2
    place('alice', 'sell', 'limit', 110, 5) // o3
    place('alice', 'buy', 'limit', 99, 5, { market: other.id }) // o4
    place('alice', 'buy', 'limit', 100, 1) // o5
    const result = engine.cancelAll({ market: market.id, owner: 'alice' })
    const cancelled = result.events.map(
      (event) => event.type === 'cancelled' && [event.orderId, event.reason],
    )
    expect(cancelled).toEqual([
      ['o1', 'cancel_all'],
      ['o3', 'cancel_all'],
      ['o5', 'cancel_all'],
    ])
    expect(engine.openOrders(market.id, 'alice')).toEqual([])
    expect(engine.openOrders(market.id, 'bob').map((order) => order.orderId)).toEqual(['o2'])
    expect(engine.openOrders(other.id, 'alice').map((order) => order.orderId)).toEqual(['o4'])
    expect(escrow.locked('alice', 'BASE')).toBe(0n)
    expect(escrow.locked('alice', 'QUOTE')).toBe(5n * 99n)
    expect(result.deltas.map((delta) => [delta.side, delta.price, delta.newTotalLots])).toEqual([
      ['buy', 100, 5],
      ['sell', 110, 0],
    ])
  })

  test('with nothing open it succeeds with no events', () => {
    const { engine } = setup()
    expect(engine.cancelAll({ market: market.id, owner: 'alice' })).toEqual({
      ok: true,
      events: [],
      deltas: [],
    })
  })

  test('rejects an unknown market and an empty owner', () => {
    const { engine } = setup()
    expect(engine.cancelAll({ market: 'X/Y', owner: 'alice' })).toMatchObject({
      reason: 'unknown_market',
    })
    expect(engine.cancelAll({ market: market.id, owner: '' })).toMatchObject({
      reason: 'invalid_owner',
    })
  })
})

describe('self-trade prevention (cancel the resting order, keep matching)', () => {
  test('the own resting order is cancelled and the taker trades with the next one', () => {
    const { engine, escrow, place } = setup()
    place('alice', 'sell', 'limit', 100, 5) // o1, own order, first in the queue
    place('bob', 'sell', 'limit', 100, 5) // o2
    const taker = place('alice', 'buy', 'limit', 100, 8)
    expect(
      taker.events.map((event) =>
        event.type === 'fill'
          ? `fill:${event.makerOrderId}`
          : event.type === 'cancelled'
            ? `cancelled:${event.orderId}:${event.reason}`
            : event.type,
      ),
    ).toEqual(['accepted', 'cancelled:o1:self_trade_prevention', 'fill:o2', 'filled', 'rested'])
    expect(engine.order('o1')).toBeUndefined()
    expect(escrow.locked('alice', 'BASE')).toBe(0n)
    expect(escrow.available('alice', 'BASE')).toBe(funds + 5n)
    expect(engine.depth(market.id, 5)).toMatchObject({
      bids: [{ price: 100, lots: 3, orders: 1 }],
      asks: [],
    })
  })

  test('the book is not left crossed when only own orders cross', () => {
    const { engine, place } = setup()
    place('alice', 'buy', 'limit', 100, 5)
    const taker = place('alice', 'sell', 'limit', 99, 5)
    expect(fills(taker.events)).toEqual([])
    expect(engine.depth(market.id, 5)).toMatchObject({
      bids: [],
      asks: [{ price: 99, lots: 5, orders: 1 }],
    })
  })

  test('an ioc that only meets own orders cancels them and its own rest', () => {
    const { engine, escrow, place } = setup()
    place('alice', 'sell', 'limit', 100, 5)
    const taker = place('alice', 'buy', 'ioc', 100, 5)
    expect(types(taker.events)).toEqual(['accepted', 'cancelled', 'cancelled'])
    expect(engine.openOrderCount).toBe(0)
    expect(escrow.locked('alice', 'BASE')).toBe(0n)
    expect(escrow.locked('alice', 'QUOTE')).toBe(0n)
  })
})

describe('rejections change nothing and name the broken rule', () => {
  const valid: PlaceOrderParameters = {
    orderId: 'x',
    market: market.id,
    owner: 'alice',
    side: 'buy',
    type: 'limit',
    price: 100,
    lots: 5,
  }
  const cases: [string, Partial<PlaceOrderParameters>][] = [
    ['unknown_market', { market: 'NOPE/QUOTE' }],
    ['invalid_order_id', { orderId: '' }],
    ['invalid_owner', { owner: '' }],
    ['invalid_side', { side: 'long' as OrderSide }],
    ['invalid_order_type', { type: 'fok' as OrderType }],
    ['invalid_price', { price: 0 }],
    ['invalid_price', { price: -5 }],
    ['invalid_price', { price: 100.5 }],
    ['invalid_price', { price: Number.NaN }],
    ['invalid_price', { price: Number.POSITIVE_INFINITY }],
    ['invalid_price', { price: 10_001 }],
    ['invalid_price', { price: '100' as unknown as number }],
    ['invalid_quantity', { lots: 0 }],
    ['invalid_quantity', { lots: -1 }],
    ['invalid_quantity', { lots: 1.5 }],
    ['above_max_size', { lots: 1_001 }],
    ['insufficient_balance', { lots: 1_000, price: 10_000 }],
    ['insufficient_balance', { side: 'sell', owner: 'dave' }],
  ]
  test.each(cases)('%s for %o', (reason, change) => {
    const { engine, state } = setup()
    const before = state()
    const result = engine.place({ ...valid, ...change })
    expect(result).toMatchObject({ ok: false, reason, deltas: [] })
    expect(result.events).toEqual([
      {
        type: 'rejected',
        operation: 'place',
        market: change.market ?? market.id,
        orderId: change.orderId ?? 'x',
        owner: change.owner ?? 'alice',
        reason,
      },
    ])
    expect(state()).toEqual(before)
  })

  test('below_min_size', () => {
    const big = defineMarket({ ...market, minLots: 10 })
    const { engine } = setup([big])
    expect(engine.place({ ...valid, lots: 9 })).toMatchObject({ reason: 'below_min_size' })
    expect(engine.place({ ...valid, lots: 10 }).ok).toBe(true)
  })

  test('duplicate_order_id while the order is open; the id is free again once it closed', () => {
    const { engine } = setup()
    expect(engine.place(valid).ok).toBe(true)
    expect(engine.place(valid)).toMatchObject({ reason: 'duplicate_order_id' })
    engine.cancel({ orderId: 'x', owner: 'alice' })
    expect(engine.place(valid).ok).toBe(true)
  })

  test('checks run in the documented order', () => {
    const { engine } = setup()
    expect(engine.place({ ...valid, price: 0, lots: 0 })).toMatchObject({ reason: 'invalid_price' })
    expect(engine.place({ ...valid, type: 'ioc', lots: 1_000_000 })).toMatchObject({
      reason: 'above_max_size',
    })
    expect(engine.place({ ...valid, type: 'ioc', lots: 1_000, price: 10_000 })).toMatchObject({
      reason: 'no_liquidity',
    })
  })
})

describe('market data', () => {
  test('each market has its own sequence, and depth carries the last one', () => {
    const { engine, place } = setup()
    place('alice', 'buy', 'limit', 100, 1)
    const otherResult = place('alice', 'buy', 'limit', 100, 1, { market: other.id })
    place('alice', 'buy', 'limit', 99, 1)
    expect(otherResult.deltas[0]?.seq).toBe(1)
    expect(engine.depth(market.id, 1)).toEqual({
      market: market.id,
      seq: 2,
      bids: [{ price: 100, lots: 1, orders: 1 }],
      asks: [],
    })
    expect(engine.depth(other.id, 0)).toEqual({ market: other.id, seq: 1, bids: [], asks: [] })
  })

  test('depth aggregates orders per price, best first', () => {
    const { engine, place } = setup()
    for (const [price, lots] of [
      [100, 1],
      [102, 2],
      [100, 3],
      [101, 4],
    ] as const) {
      place('alice', 'buy', 'limit', price, lots)
    }
    expect(engine.depth(market.id, 2).bids).toEqual([
      { price: 102, lots: 2, orders: 1 },
      { price: 101, lots: 4, orders: 1 },
    ])
    expect(engine.depth(market.id, 9).bids.at(-1)).toEqual({ price: 100, lots: 4, orders: 2 })
  })

  test('queries about an unknown market throw', () => {
    const { engine } = setup()
    expect(() => engine.depth('X/Y', 1)).toThrow(UnknownMarketError)
    expect(() => engine.openOrders('X/Y', 'alice')).toThrow(UnknownMarketError)
    expect(() => engine.depth(market.id, -1)).toThrow(RangeError)
  })
})

describe('determinism', () => {
  const script = (engine: ReturnType<typeof setup>['engine']) => {
    const events: OrderEvent[] = []
    const run = (order: Omit<PlaceOrderParameters, 'market'>) =>
      events.push(...engine.place({ market: market.id, ...order }).events)
    run({ orderId: 'a', owner: 'alice', side: 'sell', type: 'limit', price: 100, lots: 5 })
    run({ orderId: 'b', owner: 'bob', side: 'sell', type: 'limit', price: 101, lots: 5 })
    run({ orderId: 'c', owner: 'carol', side: 'buy', type: 'limit', price: 101, lots: 7 })
    return events
  }

  test('the same operations give the same events and hashes', () => {
    const first = setup().engine
    const second = setup().engine
    expect(script(first)).toEqual(script(second))
    expect(first.tradeLogHash()).toBe(second.tradeLogHash())
    expect(first.bookHash()).toBe(second.bookHash())
    expect(first.fillCount).toBe(2)
  })

  test('the trade-log hash changes with fills only; the book hash with the book', () => {
    const { engine, place } = setup()
    const empty = { trades: engine.tradeLogHash(), book: engine.bookHash() }
    place('alice', 'sell', 'limit', 100, 5)
    expect(engine.tradeLogHash()).toBe(empty.trades)
    expect(engine.bookHash()).not.toBe(empty.book)
    place('bob', 'buy', 'limit', 100, 5)
    expect(engine.tradeLogHash()).not.toBe(empty.trades)
    expect(engine.bookHash()).toBe(empty.book)
  })

  test('different fills give different trade-log hashes', () => {
    const one = setup()
    one.place('alice', 'sell', 'limit', 100, 5)
    one.place('bob', 'buy', 'limit', 100, 5)
    const two = setup()
    two.place('alice', 'sell', 'limit', 100, 5)
    two.place('bob', 'buy', 'limit', 100, 4)
    expect(one.engine.tradeLogHash()).not.toBe(two.engine.tradeLogHash())
  })
})

describe('units and configuration', () => {
  test('ETH/USDT amounts are exact: 1 ETH at 2,000.00 USDT', () => {
    const buyer = '0x00000000000000000000000000000000000000b1'
    const seller = '0x00000000000000000000000000000000000000a1'
    const escrow = createInMemoryEscrow([
      [buyer, 'USDT', 2_500_000000n],
      [seller, 'ETH', 10n ** 18n],
    ])
    const engine = createMatchingEngine({ markets: [ethUsdt], escrow })
    const order = { market: ethUsdt.id, type: 'limit', lots: 1_000 } as const
    engine.place({ ...order, orderId: 's', owner: seller, side: 'sell', price: 200_000 })
    const buy = { ...order, orderId: 'b', owner: buyer, side: 'buy', price: 200_050 } as const
    const taker = engine.place(buy)
    expect(fills(taker.events)[0]).toMatchObject({
      baseAmount: 10n ** 18n,
      quoteAmount: 2_000_000000n,
      priceImprovement: 500000n,
    })
    expect(escrow.available(buyer, 'USDT')).toBe(500_000000n)
    expect(escrow.available(buyer, 'ETH')).toBe(10n ** 18n)
    expect(escrow.available(seller, 'USDT')).toBe(2_000_000000n)
  })

  test('without escrow the engine matches and checks no balance', () => {
    const engine = createMatchingEngine({ markets: [market], escrow: null })
    const order = { market: market.id, type: 'limit', price: 100, lots: 5 } as const
    engine.place({ ...order, orderId: 'a', owner: 'nobody', side: 'sell' })
    const taker = engine.place({ ...order, orderId: 'b', owner: 'broke', side: 'buy' })
    expect(types(taker.events)).toEqual(['accepted', 'fill', 'filled', 'filled'])
  })

  test('a level whose total would pass 2^53 − 1 lots cancels the new remainder', () => {
    const huge = defineMarket({ ...market, maxLots: 2 ** 52, maxPriceTicks: 10 })
    const engine = createMatchingEngine({ markets: [huge], escrow: null })
    const order = { market: huge.id, owner: 'a', side: 'buy', type: 'limit', price: 1 } as const
    expect(engine.place({ ...order, orderId: 'a', lots: 2 ** 52 }).ok).toBe(true)
    const second = engine.place({ ...order, orderId: 'b', lots: 2 ** 52 })
    expect(second.events.at(-1)).toMatchObject({
      type: 'cancelled',
      reason: 'level_size_overflow',
      remainingLots: 2 ** 52,
    })
    expect(engine.depth(huge.id, 1).bids).toEqual([{ price: 1, lots: 2 ** 52, orders: 1 }])
  })

  test('duplicate market ids are refused', () => {
    expect(() => createMatchingEngine({ markets: [market, market], escrow: null })).toThrow(
      /duplicate market id/,
    )
  })

  test('open orders are listed oldest first with what is left', () => {
    const { engine, place } = setup()
    place('alice', 'buy', 'limit', 100, 5)
    place('alice', 'sell', 'post_only', 120, 2)
    place('bob', 'sell', 'limit', 100, 3)
    expect(engine.openOrders(market.id, 'alice')).toEqual([
      {
        orderId: 'o1',
        market: market.id,
        owner: 'alice',
        side: 'buy',
        orderType: 'limit',
        price: 100,
        lots: 2,
        originalLots: 5,
      },
      {
        orderId: 'o2',
        market: market.id,
        owner: 'alice',
        side: 'sell',
        orderType: 'post_only',
        price: 120,
        lots: 2,
        originalLots: 2,
      },
    ])
    expect(engine.openOrderCount).toBe(2)
  })
})
