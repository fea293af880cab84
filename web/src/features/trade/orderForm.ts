import type { MarketInfo } from '../../../../shared/api/index.ts'
import { formatAmount } from '../../../../shared/intents/index.ts'
import { formatUnits } from '../../lib/format.ts'
import { readAmount } from '../../lib/readAmount.ts'

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
  /** False until the user edits the price: until then it follows the book. */
  readonly priceTouched: boolean
}

export const initialOrderForm: OrderFormState = {
  side: 'buy',
  type: 'limit',
  timeInForce: 'GTC',
  price: '',
  quantity: '',
  priceTouched: false,
}

export type OrderFormAction =
  | { type: 'side'; side: OrderSide }
  | { type: 'kind'; kind: OrderKind }
  | { type: 'timeInForce'; timeInForce: TimeInForce }
  | { type: 'price'; price: string }
  | { type: 'quantity'; quantity: string }
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
      return { ...state, quantity: action.quantity }
    case 'pickPrice':
      return { ...state, type: 'limit', price: action.price, priceTouched: true }
    case 'suggestPrice':
      return state.priceTouched || state.price === action.price
        ? state
        : { ...state, price: action.price }
    case 'submitted':
      return { ...state, quantity: '' }
  }
}

/** Slippage bound of market orders: the worst price signed is 5% past the best price. */
const marketSlippageBps = 500n

export interface OrderSummary {
  /** The price that will be signed (the worst price for a market order), base units. */
  readonly price?: bigint
  readonly quantity?: bigint
  /** The quantity as the canonical decimal that is signed (`1000` for a typed `1,000`). */
  readonly quantityText?: string
  /** price × quantity in quote base units (an upper bound for a market buy). */
  readonly notional?: bigint
  /** What the order locks while open. */
  readonly lock?: { readonly token: string; readonly amount: bigint }
  readonly bestOpposite?: bigint
}

export interface BookTop {
  readonly bid?: bigint
  readonly ask?: bigint
}

/** Derives the signed price, quantity, notional and lock from the fields and the book. */
export function calculateOrderSummary(
  state: OrderFormState,
  market: MarketInfo,
  top: BookTop,
): OrderSummary {
  const tick = BigInt(market.tickQuoteUnitsPerBaseToken)
  const bestOpposite = state.side === 'buy' ? top.ask : top.bid
  let price: bigint | undefined
  if (state.type === 'market') {
    if (bestOpposite !== undefined)
      price = worstPrice(
        state.side,
        bestOpposite,
        tick,
        BigInt(market.maxPriceQuoteUnitsPerBaseToken),
      )
  } else {
    const parsed = readAmount(state.price, market.quoteDecimals)
    if (parsed.ok) price = parsed.units
  }
  const parsedQuantity = readAmount(state.quantity, market.baseDecimals)
  const quantity = parsedQuantity.ok ? parsedQuantity.units : undefined
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
  return {
    ...(price === undefined ? {} : { price }),
    ...(parsedQuantity.ok ? { quantity, quantityText: parsedQuantity.text } : {}),
    ...(notional === undefined ? {} : { notional }),
    ...(lock === undefined ? {} : { lock }),
    ...(bestOpposite === undefined ? {} : { bestOpposite }),
  }
}

/** The market order bound: 5% through the best price, on the tick grid, within the max price. */
export function worstPrice(side: OrderSide, best: bigint, tick: bigint, maxPrice: bigint): bigint {
  if (side === 'buy') {
    const raw = (best * (10_000n + marketSlippageBps) + 9_999n) / 10_000n
    const onTick = ((raw + tick - 1n) / tick) * tick
    return onTick > maxPrice ? maxPrice - (maxPrice % tick) : onTick
  }
  const raw = (best * (10_000n - marketSlippageBps)) / 10_000n
  const onTick = (raw / tick) * tick
  return onTick < tick ? tick : onTick
}

type OrderField = 'price' | 'quantity' | 'side' | 'form'

export interface ValidationError {
  readonly code: string
  readonly severity: 'error' | 'warning'
  readonly field: OrderField
  /** Short title for the disabled submit button. */
  readonly buttonText: string
  /** Sentence under the field or in the alert. */
  readonly text: string
}

export interface OrderErrorsContext {
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

  const quantity = readAmount(state.quantity, market.baseDecimals)
  if (state.quantity.trim() === '')
    error('quantity_required', 'quantity', 'Enter an amount', 'Enter an amount.')
  else if (!quantity.ok) {
    error('invalid_quantity', 'quantity', 'Invalid amount', quantity.text)
  } else if (quantity.units % lot !== 0n) {
    error(
      'quantity_not_on_lot',
      'quantity',
      'Amount not on lot size',
      `Amount must be a multiple of ${baseText(lot)}.`,
    )
  } else if (quantity.units < BigInt(market.minQuantityBaseUnits)) {
    error(
      'below_min_size',
      'quantity',
      'Below minimum size',
      `Minimum is ${baseText(BigInt(market.minQuantityBaseUnits))}.`,
    )
  } else if (quantity.units > BigInt(market.maxQuantityBaseUnits)) {
    error(
      'above_max_size',
      'quantity',
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
  return list.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
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
  const lot = BigInt(market.lotBaseUnits)
  let affordable: bigint | undefined
  if (side === 'sell') affordable = available.base
  else if (available.quote !== undefined && price !== undefined && price > 0n) {
    affordable = (available.quote * 10n ** BigInt(market.baseDecimals)) / price
  }
  if (affordable === undefined) return undefined
  const share = choice === 'max' ? 100n : BigInt(choice)
  let quantity = ((affordable * share) / 100n / lot) * lot
  if (choice === 'max') {
    const largest = (BigInt(market.maxQuantityBaseUnits) / lot) * lot
    if (quantity > largest) quantity = largest
  }
  return formatAmount(quantity, market.baseDecimals)
}
