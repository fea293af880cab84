import { describe, expect, it } from 'vitest'
import type { MarketInfo } from '../../../../shared/api/index.ts'
import { devnetMarkets } from '../../../../shared/orderbook/index.ts'
import {
  calculateOrderSummary,
  calculateSizedQuantity,
  getOrderErrors,
  impactText,
  initialOrderForm,
  orderFormReducer,
  slippageText,
  worstPrice,
  type OrderContext,
  type OrderFormState,
} from './orderForm.ts'
import { oppositeLevelsOnDemand } from './fillEstimate.ts'
import { parseSlippage } from './useSlippage.ts'

// The devnet ETH/USDT: price step 0.01 USDT, lot 0.001 ETH, 0.01 to 1,000,000 ETH.
const market = devnetMarkets[0] as MarketInfo
const top = { bid: 1_999_000_000n, ask: 2_001_000_000n }
const rich = { ETH: 10n ** 20n, USDT: 10n ** 12n }
const form = (patch: Partial<OrderFormState>): OrderFormState => ({ ...initialOrderForm, ...patch })
const codes = (state: OrderFormState, available: Record<string, bigint | undefined> = rich) =>
  getOrderErrors(state, calculateOrderSummary(state, market, top), {
    market,
    top,
    available,
    connected: true,
  }).map((error) => error.code)

describe('order form', () => {
  it('summarises a limit buy: notional and the quote lock', () => {
    const summary = calculateOrderSummary(form({ price: '2000', quantity: '0.5' }), market, top)
    expect(summary.notional).toBe(1_000_000_000n)
    expect(summary.lock).toEqual({ token: 'USDT', amount: 1_000_000_000n })
    expect(codes(form({ price: '2000', quantity: '0.5' }))).toEqual([])
  })

  it('validates each field and titles the button with the first error', () => {
    expect(codes(form({ price: '', quantity: '' }))).toEqual([
      'price_required',
      'quantity_required',
    ])
    expect(codes(form({ price: '2000.001', quantity: '0.5' }))).toEqual(['price_not_on_tick'])
    expect(codes(form({ price: '2000', quantity: '0.0005' }))).toEqual(['quantity_not_on_lot'])
    expect(codes(form({ price: '2000', quantity: '0.001' }))).toEqual(['below_min_size'])
    expect(codes(form({ price: '2000', quantity: '1' }), { USDT: 1n })).toEqual([
      'insufficient_balance',
    ])
    expect(codes(form({ side: 'sell', price: '2000', quantity: '1' }), {})).toEqual([
      'balance_unknown',
    ])
    expect(codes(form({ price: '2001', quantity: '1', timeInForce: 'POST_ONLY' }))).toEqual([
      'post_only_would_cross',
    ])
    expect(codes(form({ price: '3000', quantity: '1' }))).toEqual(['far_from_market'])
  })

  it('bounds market orders 5% through the book, on the tick grid', () => {
    expect(worstPrice('buy', 2_001_000_000n, 10_000n, 10n ** 14n)).toBe(2_101_050_000n)
    expect(worstPrice('sell', 1_999_000_000n, 10_000n, 10n ** 14n)).toBe(1_899_050_000n)
    const summary = calculateOrderSummary(form({ type: 'market', quantity: '1' }), market, top)
    expect(summary.price).toBe(2_101_050_000n)
    expect(codes(form({ type: 'market', quantity: '1' }))).toEqual([])
    expect(
      getOrderErrors(
        form({ type: 'market', quantity: '1' }),
        calculateOrderSummary(form({ type: 'market', quantity: '1' }), market, {}),
        {
          market,
          top: {},
          available: rich,
          connected: true,
        },
      )[0]!.code,
    ).toBe('no_liquidity')
  })

  it('follows the book until the user types a price', () => {
    let state = orderFormReducer(initialOrderForm, { type: 'suggestPrice', price: '2001' })
    expect(state.price).toBe('2001')
    state = orderFormReducer(state, { type: 'price', price: '1990,5' })
    state = orderFormReducer(state, { type: 'suggestPrice', price: '2002' })
    expect(state.price).toBe('1990,5')
    expect(calculateOrderSummary(state, market, top).price).toBe(1_990_500_000n)
    state = orderFormReducer({ ...state, type: 'market' }, { type: 'pickPrice', price: '1995' })
    expect(state).toMatchObject({ type: 'limit', price: '1995' })
  })
})

describe('numbers as people type and paste them', () => {
  const typed = (price: string, quantity: string) =>
    orderFormReducer(orderFormReducer(initialOrderForm, { type: 'price', price }), {
      type: 'quantity',
      quantity,
    })
  const eth = 10n ** 18n

  it('reads thousands separators, a leading point and the prices the app itself shows', () => {
    const pasted = calculateOrderSummary(typed('1,937.45', '1,000'), market, top)
    expect(pasted.price).toBe(1_937_450_000n)
    expect(pasted.quantity).toBe(1000n * eth)
    expect(calculateOrderSummary(typed('2000', '.5'), market, top).quantity).toBe(eth / 2n)
    expect(codes(typed('2000', '.5'))).toEqual([])
  })

  it('refuses an exponent rather than reading 1e3 as 13', () => {
    const state = typed('2000', '1e3')
    expect(calculateOrderSummary(state, market, top).quantity).toBeUndefined()
    expect(codes(state)).toEqual(['invalid_quantity'])
    const errors = getOrderErrors(state, calculateOrderSummary(state, market, top), {
      market,
      top,
      available: rich,
      connected: true,
    })
    expect(errors[0]!.text).toContain('1e3')
  })
})

describe('sizing buttons', () => {
  const eth = 10n ** 18n
  const balances = { base: 10n * eth, quote: 10_000_000_000n }

  it('sells a share of the base balance, on the lot size', () => {
    expect(calculateSizedQuantity(50, 'sell', market, balances, undefined)).toBe('5')
    expect(
      calculateSizedQuantity(25, 'sell', market, { base: 1_234_567n * 10n ** 12n }, undefined),
    ).toBe('0.308')
    expect(calculateSizedQuantity(100, 'sell', market, balances, undefined)).toBe('10')
  })

  it('buys what a share of the quote balance pays at the price, rounded down', () => {
    expect(calculateSizedQuantity(25, 'buy', market, balances, 2_000_000_000n)).toBe('1.25')
    expect(calculateSizedQuantity(100, 'buy', market, balances, 3_000_000_000n)).toBe('3.333')
    expect(calculateSizedQuantity(50, 'buy', market, balances, undefined)).toBeUndefined()
    expect(calculateSizedQuantity(50, 'buy', market, {}, 2_000_000_000n)).toBeUndefined()
  })

  it('max stays within the market maximum size', () => {
    const whale = { base: 5_000_000n * eth }
    expect(calculateSizedQuantity(100, 'sell', market, whale, undefined)).toBe('5000000')
    expect(calculateSizedQuantity('max', 'sell', market, whale, undefined)).toBe('1000000')
    expect(calculateSizedQuantity('max', 'sell', market, balances, undefined)).toBe('10')
  })
})

describe('size as a total, what crosses the book, the bound and self-trades', () => {
  const eth = 10n ** 18n
  // The asks a buy meets: 1 ETH at 2,001, 2 ETH at 2,002, 5 ETH at 2,010.
  const asks = oppositeLevelsOnDemand(
    {
      asks: new Map([
        [2_001_000_000n, eth],
        [2_002_000_000n, 2n * eth],
        [2_010_000_000n, 5n * eth],
      ]),
      bids: new Map(),
    },
    'buy',
  )
  const codesIn = (state: OrderFormState, context: OrderContext) =>
    getOrderErrors(state, calculateOrderSummary(state, market, top, context), {
      ...context,
      market,
      top,
      available: rich,
      connected: true,
    })

  it('sizes a limit order from a total of quote, in whole lots, until the amount is typed', () => {
    let state = orderFormReducer(form({ price: '2000', quantity: '3' }), {
      type: 'total',
      total: '1,000',
    })
    expect(state.sizeIn).toBe('quote')
    expect(calculateOrderSummary(state, market, top)).toMatchObject({
      quantity: eth / 2n,
      quantityText: '0.5',
      notional: 1_000_000_000n,
    })
    // 999 USDT at 2,000 is 0.4995 ETH: 0.499 in lots of 0.001.
    state = orderFormReducer(state, { type: 'total', total: '999' })
    expect(calculateOrderSummary(state, market, top).quantityText).toBe('0.499')
    state = orderFormReducer(state, { type: 'total', total: '1e3' })
    expect(codesIn(state, {}).map((error) => error.code)).toEqual(['invalid_total'])
    expect(codesIn(form({ sizeIn: 'quote', total: '' }), {})[0]).toMatchObject({
      code: 'price_required',
    })
    state = orderFormReducer(state, { type: 'quantity', quantity: '2' })
    expect(calculateOrderSummary(state, market, top).quantity).toBe(2n * eth)
    expect(orderFormReducer(state, { type: 'submitted' })).toMatchObject({
      quantity: '',
      total: '',
      sizeIn: 'base',
    })
  })

  it('sizes a market order from a total by what the book gives for it', () => {
    const state = form({ type: 'market', sizeIn: 'quote', total: '3002' })
    const summary = calculateOrderSummary(state, market, top, { opposite: asks })
    expect(summary.quantityText).toBe('1.5')
    // Without the book's levels it cannot be known: nothing to sign.
    expect(calculateOrderSummary(state, market, top).quantity).toBeUndefined()
  })

  it('estimates what a crossing order fills at once: average price and impact', () => {
    const market2 = form({ type: 'market', quantity: '2' })
    const estimate = calculateOrderSummary(market2, market, top, { opposite: asks }).estimate
    expect(estimate).toMatchObject({ quantity: 2n * eth, averagePrice: 2_001_500_000n })
    expect(impactText(estimate!.impactPpm!)).toBe('0.02 %')
    // A limit order crossing to 2,001 fills 1 ETH now; one below the ask fills nothing now.
    const limit = form({ price: '2001', quantity: '2' })
    expect(calculateOrderSummary(limit, market, top, { opposite: asks }).estimate).toMatchObject({
      quantity: eth,
    })
    const resting = form({ price: '2000', quantity: '2' })
    expect(calculateOrderSummary(resting, market, top, { opposite: asks }).estimate).toBe(undefined)
  })

  it('bounds market orders by the slippage picked, and warns of what the bound leaves', () => {
    expect(worstPrice('buy', 2_001_000_000n, 10_000n, 10n ** 14n, 50n)).toBe(2_011_010_000n)
    expect(worstPrice('sell', 1_999_000_000n, 10_000n, 10n ** 14n, 10n)).toBe(1_997_000_000n)
    // 0.5 % past 2,001 is 2,011.005: 8 ETH are within it; 0.1 % (2,003.001) reaches 3.
    const big = form({ type: 'market', quantity: '5' })
    expect(codesIn(big, { opposite: asks, slippageBps: 50n }).map((e) => e.code)).toEqual([])
    const partial = codesIn(big, { opposite: asks, slippageBps: 10n })
    expect(partial.map((error) => error.code)).toEqual(['partial_fill'])
    expect(partial[0]!.text).toContain('0.1 %')
    expect(slippageText(500n)).toBe('5 %')
    expect(slippageText(50n)).toBe('0.5 %')
    expect(slippageText(1_000n)).toBe('10 %')
    // A remembered bound is one of the choices offered, else the default.
    expect(parseSlippage('50')).toBe(50n)
    expect(parseSlippage('7')).toBe(500n)
    expect(parseSlippage(null)).toBe(500n)
  })

  it("warns before an order would cancel the user's own resting orders", () => {
    const own = new Map([[2_002_000_000n, eth]])
    const warned = codesIn(form({ price: '2002', quantity: '2' }), { opposite: asks, own })
    expect(warned.map((error) => error.code)).toEqual(['self_trade'])
    expect(warned[0]!.text).toContain('sell at 2,002 USDT')
    // 1 ETH fills at 2,001 first: the own sell at 2,002 is never reached.
    expect(codesIn(form({ price: '2002', quantity: '1' }), { opposite: asks, own })).toEqual([])
    expect(codesIn(form({ price: '2001', quantity: '5' }), { opposite: asks, own })).toEqual([])
    // Nothing to place yet, nothing to warn of.
    const empty = codesIn(form({ price: '2002', quantity: '' }), { opposite: asks, own })
    expect(empty.map((error) => error.code)).toEqual(['quantity_required'])
  })

  it('asks for the sorted book only once an amount is typed: an empty form sorts nothing', () => {
    // The page renders the form at every book update; sorting the side each time cost an empty
    // form up to 1,000 levels a render for nothing.
    let asked = 0
    const counted = () => {
      asked += 1
      return asks()
    }
    const own = new Map([[2_002_000_000n, eth]])
    for (const state of [form({ price: '2002' }), form({ type: 'market', sizeIn: 'quote' })]) {
      codesIn(state, { opposite: counted, own })
    }
    expect(asked).toBe(0)
    codesIn(form({ type: 'market', quantity: '2' }), { opposite: counted, own })
    expect(asked).toBeGreaterThan(0)
  })
})
