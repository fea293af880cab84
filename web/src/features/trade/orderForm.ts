import type { MarketInfo } from '../../../../shared/api/index.ts'
import { formatAmount } from '../../../../shared/intents/index.ts'
import { formatUnits } from '../../lib/format.ts'
import { readAmount } from '../../lib/readAmount.ts'
import {
  baseForQuote,
  estimateFill,
  quantityForQuote,
  selfTradePrices,
  wholeLots,
  type FillEstimate,
  type OppositeLevels,
} from './fillEstimate.ts'

/*
 * The order form as pure functions (dYdX's trade-form model): a reducer for the fields, a
 * derived summary, and derived validation errors whose first blocking one titles the button.
 */

export type OrderSide = 'buy' | 'sell'
type OrderKind = 'limit' | 'market'
export type TimeInForce = 'GTC' | 'POST_ONLY' | 'IOC'

export interface OrderFormState {
  readonly side: OrderSide
  readonly type: OrderKind
  /** Limit orders only; market orders are always IOC. */
  readonly timeInForce: TimeInForce
  /** Quote tokens per whole base token, as typed (`1,937.45`); read by `readAmount`. */
  readonly price: string
  /** Base tokens, as typed (`.5`, `1,000`); read by `readAmount`. */
  readonly quantity: string
  /** Quote tokens to spend (buy) or bring in (sell), as typed; the amount follows from it. */
  readonly total: string
  /** The field the size was last given in: the amount (base) or the total (quote). */
  readonly sizeIn: 'base' | 'quote'
  /** False until the user edits the price: until then it follows the book. */
  readonly priceTouched: boolean
}

export const initialOrderForm: OrderFormState = {
  side: 'buy',
  type: 'limit',
  timeInForce: 'GTC',
  price: '',
  quantity: '',
  total: '',
  sizeIn: 'base',
  priceTouched: false,
}

export type OrderFormAction =
  | { type: 'side'; side: OrderSide }
  | { type: 'kind'; kind: OrderKind }
  | { type: 'timeInForce'; timeInForce: TimeInForce }
  | { type: 'price'; price: string }
  | { type: 'quantity'; quantity: string }
  | { type: 'total'; total: string }
  /** A click on a book row: take its price as a limit price. */
  | { type: 'pickPrice'; price: string }
  /** The book moved and the user has not typed a price: follow it. */
  | { type: 'suggestPrice'; price: string }
  | { type: 'submitted' }

export function orderFormReducer(state: OrderFormState, action: OrderFormAction): OrderFormState {
  switch (action.type) {
    case 'side':
      return {
        ...state,
        side: action.side,
        priceTouched: state.type === 'limit' && state.priceTouched,
      }
    case 'kind':
      return { ...state, type: action.kind }
    case 'timeInForce':
      return { ...state, timeInForce: action.timeInForce }
    case 'price':
      return { ...state, price: action.price, priceTouched: true }
    case 'quantity':
      return { ...state, quantity: action.quantity, sizeIn: 'base' }
    case 'total':
      return { ...state, total: action.total, sizeIn: 'quote' }
    case 'pickPrice':
      return { ...state, type: 'limit', price: action.price, priceTouched: true }
    case 'suggestPrice':
      return state.priceTouched || state.price === action.price
        ? state
        : { ...state, price: action.price }
    case 'submitted':
      return { ...state, quantity: '', total: '', sizeIn: 'base' }
  }
}

/**
 * Slippage bounds a trader can pick for market orders, in basis points: the worst price signed
 * is this far past the best price. 5 % unless the trader picked another (`useSlippage`).
 */
export const slippageChoicesBps = [10n, 50n, 100n, 200n, 500n, 1_000n] as const
export const defaultSlippageBps = 500n

/** What the summary reads besides the fields: the book's other side and the trader's settings. */
export interface OrderContext {
  /** The market order bound, in basis points (`defaultSlippageBps`). */
  readonly slippageBps?: bigint
  /**
   * The levels the order trades against, when the page holds the book, sorted when first asked
   * for (`oppositeLevelsOnDemand`): only an order with an amount needs them.
   */
  readonly opposite?: () => OppositeLevels
  /** The user's own resting orders on that side, base units by price (`ownOpposite`). */
  readonly own?: ReadonlyMap<bigint, bigint>
}

export interface OrderSummary {
  /** The price that will be signed (the worst price for a market order), base units. */
  readonly price?: bigint
  readonly quantity?: bigint
  /** The quantity as the canonical decimal that is signed (`1000` for a typed `1,000`). */
  readonly quantityText?: string
  /** price × quantity in quote base units (an upper bound for a market buy). */
  readonly notional?: bigint
  /** What the book would fill at once, for an order that crosses it (`estimateFill`). */
  readonly estimate?: FillEstimate
  /** What the order locks while open. */
  readonly lock?: { readonly token: string; readonly amount: bigint }
  readonly bestOpposite?: bigint
}

export interface BookTop {
  readonly bid?: bigint
  readonly ask?: bigint
}

/**
 * Derives the signed price, quantity, notional and lock from the fields and the book, and for an
 * order that crosses the book what it would fill at once. A size given as a total of quote
 * becomes whole lots: at the limit price, or for a market order what the book's levels within
 * the bound give for it.
 */
export function calculateOrderSummary(
  state: OrderFormState,
  market: MarketInfo,
  top: BookTop,
  context: OrderContext = {},
): OrderSummary {
  const tick = BigInt(market.tickQuoteUnitsPerBaseToken)
  const bestOpposite = state.side === 'buy' ? top.ask : top.bid
  const slippageBps = context.slippageBps ?? defaultSlippageBps
  let price: bigint | undefined
  if (state.type === 'market') {
    if (bestOpposite !== undefined) {
      const maxPrice = BigInt(market.maxPriceQuoteUnitsPerBaseToken)
      price = worstPrice(state.side, bestOpposite, tick, maxPrice, slippageBps)
    }
  } else {
    const parsed = readAmount(state.price, market.quoteDecimals)
    if (parsed.ok) price = parsed.units
  }
  const sized = sizeOf(state, market, price, context)
  const quantity = sized?.units
  const notional =
    price !== undefined && quantity !== undefined
      ? (price * quantity) / 10n ** BigInt(market.baseDecimals)
      : undefined
  const lock =
    state.side === 'buy'
      ? notional === undefined
        ? undefined
        : { token: market.quote, amount: notional }
      : quantity === undefined
        ? undefined
        : { token: market.base, amount: quantity }
  const crossing =
    price !== undefined &&
    bestOpposite !== undefined &&
    (state.side === 'buy' ? price >= bestOpposite : price <= bestOpposite)
      ? price
      : undefined
  const { opposite, own } = context
  const estimate =
    crossing !== undefined && quantity !== undefined && quantity > 0n && opposite !== undefined
      ? estimateFill(opposite(), state.side, quantity, crossing, market.baseDecimals, own)
      : undefined
  return {
    ...(price === undefined ? {} : { price }),
    ...(sized === undefined ? {} : { quantity, quantityText: sized.text }),
    ...(notional === undefined ? {} : { notional }),
    ...(lock === undefined ? {} : { lock }),
    ...(bestOpposite === undefined ? {} : { bestOpposite }),
    ...(estimate === undefined ? {} : { estimate }),
  }
}

/**
 * The order's size in base units and as the decimal text that is signed: the amount as typed,
 * or the whole lots a typed total of quote comes to (undefined while it cannot be known).
 */
function sizeOf(
  state: OrderFormState,
  market: MarketInfo,
  price: bigint | undefined,
  context: OrderContext,
): { units: bigint; text: string } | undefined {
  if (state.sizeIn === 'base') {
    const parsed = readAmount(state.quantity, market.baseDecimals)
    return parsed.ok ? { units: parsed.units, text: parsed.text } : undefined
  }
  const total = readAmount(state.total, market.quoteDecimals)
  if (!total.ok || price === undefined || price <= 0n) return undefined
  let units: bigint
  if (state.type === 'market') {
    if (context.opposite === undefined) return undefined
    const levels = context.opposite()
    units = quantityForQuote(levels, state.side, total.units, price, market, context.own)
  } else {
    units = wholeLots(baseForQuote(total.units, price, market.baseDecimals), market.lotBaseUnits)
  }
  return { units, text: formatAmount(units, market.baseDecimals) }
}

/**
 * The market order bound: `slippageBps` through the best price (5 % by default), on the tick
 * grid, within the max price.
 */
export function worstPrice(
  side: OrderSide,
  best: bigint,
  tick: bigint,
  maxPrice: bigint,
  slippageBps: bigint = defaultSlippageBps,
): bigint {
  if (side === 'buy') {
    const raw = (best * (10_000n + slippageBps) + 9_999n) / 10_000n
    const onTick = ((raw + tick - 1n) / tick) * tick
    return onTick > maxPrice ? maxPrice - (maxPrice % tick) : onTick
  }
  const raw = (best * (10_000n - slippageBps)) / 10_000n
  const onTick = (raw / tick) * tick
  return onTick < tick ? tick : onTick
}

type OrderField = 'price' | 'quantity' | 'total' | 'side' | 'form'

export interface ValidationError {
  readonly code: string
  readonly severity: 'error' | 'warning'
  readonly field: OrderField
  /** Short title for the disabled submit button. */
  readonly buttonText: string
  /** Sentence under the field or in the alert. */
  readonly text: string
}

export interface OrderErrorsContext extends OrderContext {
  readonly market: MarketInfo
  readonly top: BookTop
  /** Available balance by token, when known (verified or not). */
  readonly available: Readonly<Record<string, bigint | undefined>>
  readonly connected: boolean
}

/** Every problem with the order, errors first; the form may submit only without errors. */
export function getOrderErrors(
  state: OrderFormState,
  summary: OrderSummary,
  context: OrderErrorsContext,
): ValidationError[] {
  const { market, top } = context
  const list: ValidationError[] = []
  const error = (code: string, field: OrderField, buttonText: string, text: string) =>
    list.push({ code, severity: 'error', field, buttonText, text })
  const warning = (code: string, field: OrderField, text: string) =>
    list.push({ code, severity: 'warning', field, buttonText: '', text })
  const tick = BigInt(market.tickQuoteUnitsPerBaseToken)
  const lot = BigInt(market.lotBaseUnits)
  const quoteText = (units: bigint) => `${formatUnits(units, market.quoteDecimals)} ${market.quote}`
  const baseText = (units: bigint) =>
    `${formatUnits(units, market.baseDecimals, market.baseDecimals)} ${market.base}`

  if (!context.connected)
    error('not_connected', 'form', 'Connect a wallet to trade', 'Connect a wallet first.')

  if (state.type === 'limit') {
    const parsed = readAmount(state.price, market.quoteDecimals)
    if (state.price.trim() === '')
      error('price_required', 'price', 'Enter a price', 'Enter a limit price.')
    else if (!parsed.ok) {
      error('invalid_price', 'price', 'Invalid price', parsed.text)
    } else if (parsed.units % tick !== 0n) {
      error(
        'price_not_on_tick',
        'price',
        'Price not on tick',
        `Price must be a multiple of ${quoteText(tick)}.`,
      )
    } else if (parsed.units > BigInt(market.maxPriceQuoteUnitsPerBaseToken)) {
      error(
        'price_too_high',
        'price',
        'Price too high',
        `At most ${quoteText(BigInt(market.maxPriceQuoteUnitsPerBaseToken))}.`,
      )
    }
  } else if (summary.bestOpposite === undefined) {
    error(
      'no_liquidity',
      'form',
      'No liquidity',
      `No ${state.side === 'buy' ? 'asks' : 'bids'} to match a market order.`,
    )
  }

  const quantity = summary.quantity
  if (state.sizeIn === 'quote') {
    const total = readAmount(state.total, market.quoteDecimals)
    if (state.total.trim() === '')
      error('quantity_required', 'total', 'Enter an amount', 'Enter an amount or a total.')
    else if (!total.ok) error('invalid_total', 'total', 'Invalid total', total.text)
  } else {
    const typed = readAmount(state.quantity, market.baseDecimals)
    if (state.quantity.trim() === '')
      error('quantity_required', 'quantity', 'Enter an amount', 'Enter an amount.')
    else if (!typed.ok) error('invalid_quantity', 'quantity', 'Invalid amount', typed.text)
  }
  // Where the size came from a total, its errors show under the total.
  const sizeField = state.sizeIn === 'quote' ? 'total' : 'quantity'
  if (quantity === undefined) {
    // Not known yet: the errors above, or a price still missing, say why.
  } else if (quantity % lot !== 0n) {
    error(
      'quantity_not_on_lot',
      sizeField,
      'Amount not on lot size',
      `Amount must be a multiple of ${baseText(lot)}.`,
    )
  } else if (quantity < BigInt(market.minQuantityBaseUnits)) {
    error(
      'below_min_size',
      sizeField,
      'Below minimum size',
      `Minimum is ${baseText(BigInt(market.minQuantityBaseUnits))}.`,
    )
  } else if (quantity > BigInt(market.maxQuantityBaseUnits)) {
    error(
      'above_max_size',
      sizeField,
      'Above maximum size',
      `Maximum is ${baseText(BigInt(market.maxQuantityBaseUnits))}.`,
    )
  }

  if (summary.lock && context.connected) {
    const available = context.available[summary.lock.token]
    if (available === undefined) {
      warning('balance_unknown', 'form', `Your ${summary.lock.token} balance is not verified yet.`)
    } else if (summary.lock.amount > available) {
      const token = summary.lock.token
      const have = token === market.quote ? quoteText(available) : baseText(available)
      error(
        'insufficient_balance',
        'form',
        `Insufficient ${token}`,
        `Needs more than the ${have} available.`,
      )
    }
  }

  if (state.type === 'limit' && summary.price !== undefined) {
    const crosses =
      state.side === 'buy'
        ? top.ask !== undefined && summary.price >= top.ask
        : top.bid !== undefined && summary.price <= top.bid
    if (crosses && state.timeInForce === 'POST_ONLY') {
      error(
        'post_only_would_cross',
        'price',
        'Post-only would cross',
        'A post-only order must not match immediately.',
      )
    }
    const reference = state.side === 'buy' ? top.ask : top.bid
    if (reference !== undefined && crosses) {
      const away = state.side === 'buy' ? summary.price - reference : reference - summary.price
      if (away * 10n > reference)
        warning('far_from_market', 'price', 'Price is more than 10% through the book.')
    }
  }
  // Once there is an order to place: a price that follows the book onto the user's own best
  // quote would otherwise raise it at every tick of an empty form.
  const own = context.own
  if (summary.price !== undefined && quantity !== undefined && own !== undefined && own.size > 0) {
    const levels = context.opposite?.() ?? []
    const met = selfTradePrices(levels, state.side, quantity, summary.price, own)
    if (met.length > 0) {
      const resting = state.side === 'buy' ? 'sell' : 'buy'
      const at =
        met.length === 1
          ? `${resting} at ${quoteText(met[0]!)}`
          : `${resting}s at ${formatUnits(met[0]!, market.quoteDecimals)} to ${quoteText(met.at(-1)!)}`
      warning(
        'self_trade',
        'form',
        `Your resting ${at} may be cancelled: an order never trades with its owner's own, the ` +
          'resting one is cancelled instead (self-trade prevention).',
      )
    }
  }
  const estimate = summary.estimate
  if (state.type === 'market' && quantity !== undefined && estimate !== undefined) {
    if (estimate.quantity < quantity) {
      const bound = slippageText(context.slippageBps ?? defaultSlippageBps)
      warning(
        'partial_fill',
        'form',
        `The book fills about ${baseText(estimate.quantity)} within your ${bound} bound; the ` +
          'rest is cancelled.',
      )
    }
  }
  return list.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
}

/** A slippage bound as a percentage: `0.5 %` for 50 basis points. */
export function slippageText(bps: bigint): string {
  const whole = bps / 100n
  const hundredths = (bps % 100n).toString().padStart(2, '0').replace(/0+$/, '')
  return `${whole}${hundredths === '' ? '' : `.${hundredths}`} %`
}

/** A price impact in millionths as a percentage with two decimals: `0.04 %` for 400. */
export function impactText(ppm: bigint): string {
  const hundredths = (ppm + 50n) / 100n
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')} %`
}

/** A decimal text for an input from base units. */
export function priceInput(units: bigint, market: MarketInfo): string {
  return formatAmount(units, market.quoteDecimals)
}

/** A sizing button: a share of what the balance allows, or the largest valid amount. */
export type SizeChoice = 25 | 50 | 75 | 100 | 'max'

/**
 * The amount a sizing button puts into the form, as decimal text, or undefined when it cannot
 * be known (no verified balance, or a buy without a price). A sell spends the base balance, a
 * buy the quote balance at the signed price (the worst price of a market order, so the lock
 * fits). Amounts round down to the lot size, so the order never needs more than the balance;
 * `max` also stays within the market's maximum size.
 */
export function calculateSizedQuantity(
  choice: SizeChoice,
  side: OrderSide,
  market: MarketInfo,
  available: { readonly base?: bigint | undefined; readonly quote?: bigint | undefined },
  price: bigint | undefined,
): string | undefined {
  let affordable: bigint | undefined
  if (side === 'sell') affordable = available.base
  else if (available.quote !== undefined && price !== undefined && price > 0n) {
    affordable = baseForQuote(available.quote, price, market.baseDecimals)
  }
  if (affordable === undefined) return undefined
  const share = choice === 'max' ? 100n : BigInt(choice)
  let quantity = wholeLots((affordable * share) / 100n, market.lotBaseUnits)
  if (choice === 'max') {
    const largest = wholeLots(BigInt(market.maxQuantityBaseUnits), market.lotBaseUnits)
    if (quantity > largest) quantity = largest
  }
  return formatAmount(quantity, market.baseDecimals)
}
