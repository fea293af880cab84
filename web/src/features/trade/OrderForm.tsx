import { useQuery } from '@tanstack/react-query'
import { useEffect, useId, useMemo, useReducer, useState, type ReactNode } from 'react'
import type { MarketInfo } from '../../../../shared/api/index.ts'
import { formatAmount } from '../../../../shared/intents/index.ts'
import { formatUnits } from '../../lib/format.ts'
import { buildDraft, freshNonce } from '../../lib/intentDraft.ts'
import { useOrderbook } from '../../lib/live.tsx'
import { bestPrices } from '../../lib/orderbookState.ts'
import { ordersQueryOptions, verifiedPortfolioQueryOptions } from '../../lib/queries.ts'
import type { AppRegistry } from '../../lib/registry.ts'
import type { ReplicaRef } from '../../lib/replicaClient.ts'
import { RequestTimeline } from '../requests/RequestTimeline.tsx'
import { useRequests } from '../requests/RequestsProvider.tsx'
import { SignPreview } from '../transfer/SignPreview.tsx'
import { oppositeLevelsOnDemand, ownOpposite } from './fillEstimate.ts'
import {
  calculateOrderSummary,
  calculateSizedQuantity,
  getOrderErrors,
  impactText,
  initialOrderForm,
  orderFormReducer,
  priceInput,
  slippageChoicesBps,
  slippageText,
  type OrderFormAction,
  type SizeChoice,
  type TimeInForce,
} from './orderForm.ts'
import { useSlippage } from './useSlippage.ts'

const sizeChoices: readonly SizeChoice[] = [25, 50, 75, 100, 'max']

/** A price picked from the book, with a counter so picking the same price twice still applies. */
export interface PickedPrice {
  /** The market whose book it was picked from. */
  readonly market: string
  readonly price: bigint
  /** The book's cumulative size up to that level (a Shift+click), base units. */
  readonly quantity?: bigint
  readonly nonce: number
}

/** A side chosen outside the form (the phone's Buy/Sell bar), with a counter like `PickedPrice`. */
export interface ChosenSide {
  readonly side: 'buy' | 'sell'
  readonly nonce: number
}

/**
 * Order entry: buy/sell, limit/market, time in force, price prefilled from the book (and from
 * clicks on book rows), the size as an amount or a total of quote, per-field validation, what
 * the book would fill at once (average price, impact), the trader's market order bound, a
 * warning before an order would cancel the trader's own resting ones, and the text to be signed.
 */
export function OrderForm(props: {
  registry: AppRegistry
  market: MarketInfo
  /** The replica the page reads the trader's orders from (self-trade warnings). */
  primary: ReplicaRef | undefined
  address: `0x${string}` | undefined
  picked: PickedPrice | undefined
  chosenSide?: ChosenSide | undefined
}) {
  const { registry, market, primary, address, picked, chosenSide } = props
  const [state, dispatch] = useReducer(orderFormReducer, initialOrderForm)
  const [touched, setTouched] = useState({ price: false, quantity: false })
  const [nonce, setNonce] = useState(freshNonce)
  const [busy, setBusy] = useState(false)
  const book = useOrderbook(market.id)
  const top = useMemo(() => bestPrices(book.book), [book.book])
  const balances = useQuery({
    ...verifiedPortfolioQueryOptions(registry, address ?? ''),
    enabled: !!address,
  })
  const orders = useQuery({
    ...ordersQueryOptions(primary, address ?? '', market.id),
    enabled: !!address && !!primary,
  })
  const [slippageBps, setSlippage] = useSlippage()
  const ids = {
    price: useId(),
    quantity: useId(),
    total: useId(),
    tif: useId(),
    slippage: useId(),
  }

  // Prefill the price from the book: the best price on the other side, which trades now.
  const suggestion = state.side === 'buy' ? (top.ask ?? top.bid) : (top.bid ?? top.ask)
  useEffect(() => {
    if (suggestion !== undefined)
      dispatch({ type: 'suggestPrice', price: priceInput(suggestion, market) })
  }, [suggestion, market])
  useEffect(() => {
    if (picked === undefined) return
    dispatch({ type: 'pickPrice', price: priceInput(picked.price, market) })
    if (picked.quantity !== undefined) {
      dispatch({ type: 'quantity', quantity: formatAmount(picked.quantity, market.baseDecimals) })
    }
  }, [picked, market])
  useEffect(() => {
    if (chosenSide !== undefined) dispatch({ type: 'side', side: chosenSide.side })
  }, [chosenSide])

  const own = useMemo(
    () => ownOpposite(orders.data?.orders ?? [], market.id, state.side),
    [orders.data, market.id, state.side],
  )
  // Sorted at most once per book and side, and only once an amount needs it: the summary and
  // the checks walk it several times a render, and the book updates many times a second.
  const opposite = useMemo(
    () => (book.book === undefined ? undefined : oppositeLevelsOnDemand(book.book, state.side)),
    [book.book, state.side],
  )
  const context = { slippageBps, own, ...(opposite === undefined ? {} : { opposite }) }
  const summary = calculateOrderSummary(state, market, top, context)
  const available: Record<string, bigint | undefined> = {}
  const verified: Record<string, boolean> = {}
  for (const [token, proof] of Object.entries(balances.data?.byToken ?? {})) {
    available[token] = proof.available
    verified[token] = proof.verified
  }
  const errors = getOrderErrors(state, summary, {
    ...context,
    market,
    top,
    available,
    connected: !!address,
  })
  const blocking = errors.filter((error) => error.severity === 'error')
  const timeInForce: TimeInForce = state.type === 'market' ? 'IOC' : state.timeInForce

  const draft = useMemo(() => {
    if (blocking.length > 0 || !address || summary.price === undefined) return undefined
    if (summary.quantityText === undefined) return undefined
    const built = buildDraft(registry, address, nonce, {
      action: 'order',
      market: market.id,
      side: state.side,
      type: state.type,
      price: formatAmount(summary.price, market.quoteDecimals),
      quantity: summary.quantityText,
      timeInForce,
    })
    return built.ok ? built.draft : undefined
  }, [
    blocking.length,
    address,
    summary.price,
    registry,
    nonce,
    market,
    state.side,
    state.type,
    summary.quantityText,
    timeInForce,
  ])

  const { submit, requests, dismiss } = useRequests()
  // The size's two fields, amount and total, count as touched together.
  const fieldError = (field: 'price' | 'quantity' | 'total') =>
    touched[field === 'total' ? 'quantity' : field]
      ? errors.find((error) => error.field === field && error.severity === 'error')?.text
      : undefined
  const set = (action: OrderFormAction) => dispatch(action)
  const sideLabel = state.side === 'buy' ? 'Buy' : 'Sell'
  const buttonText = busy
    ? 'Confirm in wallet…'
    : (blocking[0]?.buttonText ??
      `${sideLabel} ${summary.quantityText ?? ''} ${market.base}`.replace(/\s+/g, ' '))
  const latest = requests.filter((request) => request.action === 'order').slice(0, 1)
  const quote = (units: bigint) => `${formatUnits(units, market.quoteDecimals, 2)} ${market.quote}`
  const { estimate } = summary
  // The field the size was not typed in shows what follows from the other: the amount a total
  // comes to, or the total an amount costs (for a market order, what the book would fill).
  const shownQuantity = state.sizeIn === 'base' ? state.quantity : (summary.quantityText ?? '')
  const derivedTotal = state.type === 'market' ? estimate?.quote : summary.notional
  const shownTotal =
    state.sizeIn === 'quote'
      ? state.total
      : derivedTotal === undefined || state.quantity.trim() === ''
        ? ''
        : formatAmount(derivedTotal, market.quoteDecimals)

  return (
    <section className="panel order-entry" aria-labelledby="order-title" data-testid="order-form">
      <header className="panel-head">
        <h2 id="order-title">Trade {market.id}</h2>
      </header>
      <form
        className="form pad"
        noValidate
        onSubmit={(event) => {
          event.preventDefault()
          setTouched({ price: true, quantity: true })
          if (!draft || busy) return
          setBusy(true)
          const priceText = summary.price === undefined ? '' : priceInput(summary.price, market)
          const title = `${sideLabel} ${summary.quantityText ?? ''} ${market.base} ${state.type === 'market' ? 'at market' : `@ ${priceText}`}`
          submit(draft, title)
            .then((stage) => {
              setBusy(false)
              setNonce(freshNonce())
              if (stage === 'submitted') {
                dispatch({ type: 'submitted' })
                setTouched({ price: false, quantity: false })
              }
            })
            .catch((error: unknown) => {
              setBusy(false)
              console.error('Submitting the order failed:', error)
            })
        }}
      >
        <div className="segmented sides" role="radiogroup" aria-label="Side">
          {(['buy', 'sell'] as const).map((side) => (
            <button
              key={side}
              type="button"
              role="radio"
              aria-checked={state.side === side}
              className={`seg ${side} ${state.side === side ? 'on' : ''}`}
              onClick={() => set({ type: 'side', side })}
              data-testid={`side-${side}`}
            >
              {side === 'buy' ? 'Buy' : 'Sell'}
            </button>
          ))}
        </div>
        <div className="row gap">
          <div className="segmented small order-type" role="radiogroup" aria-label="Order type">
            {(['limit', 'market'] as const).map((kind) => (
              <button
                key={kind}
                type="button"
                role="radio"
                aria-checked={state.type === kind}
                className={`seg ${state.type === kind ? 'on' : ''}`}
                onClick={() => set({ type: 'kind', kind })}
                data-testid={`type-${kind}`}
              >
                {kind === 'limit' ? 'Limit' : 'Market'}
              </button>
            ))}
          </div>
          <label className="sr-only" htmlFor={ids.tif}>
            Time in force
          </label>
          <select
            id={ids.tif}
            className="input compact time-in-force"
            value={timeInForce}
            disabled={state.type === 'market'}
            onChange={(event) =>
              set({ type: 'timeInForce', timeInForce: event.target.value as TimeInForce })
            }
            data-testid="time-in-force"
            title="Time in force"
          >
            <option value="GTC">Good till cancel</option>
            <option value="POST_ONLY">Post only</option>
            <option value="IOC">Immediate or cancel</option>
          </select>
        </div>
        <DecimalField
          id={ids.price}
          label={
            <>
              {state.type === 'market'
                ? `Worst price (${slippageText(slippageBps)} through the book)`
                : 'Price'}{' '}
              <span className="muted">{market.quote}</span>
            </>
          }
          value={
            state.type === 'market'
              ? summary.price === undefined
                ? ''
                : priceInput(summary.price, market)
              : state.price
          }
          readOnly={state.type === 'market'}
          placeholder="0.00"
          onChange={(price) => set({ type: 'price', price })}
          onBlur={() => setTouched((value) => ({ ...value, price: true }))}
          error={fieldError('price')}
          testId="order-price"
        />
        {state.type === 'market' && (
          <div className="row gap slippage">
            <label htmlFor={ids.slippage} className="small muted">
              Slippage bound
            </label>
            <select
              id={ids.slippage}
              className="input compact"
              value={slippageBps.toString()}
              onChange={(event) => setSlippage(BigInt(event.target.value))}
              data-testid="order-slippage"
              title="How far past the best price a market order may fill; the rest is cancelled"
            >
              {slippageChoicesBps.map((bps) => (
                <option key={bps.toString()} value={bps.toString()}>
                  {slippageText(bps)}
                </option>
              ))}
            </select>
          </div>
        )}
        <DecimalField
          id={ids.quantity}
          label={
            <>
              Amount <span className="muted">{market.base}</span>
            </>
          }
          value={shownQuantity}
          placeholder={formatAmount(BigInt(market.minQuantityBaseUnits), market.baseDecimals)}
          onChange={(quantity) => set({ type: 'quantity', quantity })}
          onBlur={() => setTouched((value) => ({ ...value, quantity: true }))}
          error={fieldError('quantity')}
          testId="order-quantity"
        >
          <div className="size-buttons" role="group" aria-label="Amount from your balance">
            {sizeChoices.map((choice) => {
              const sized = calculateSizedQuantity(
                choice,
                state.side,
                market,
                { base: available[market.base], quote: available[market.quote] },
                summary.price,
              )
              return (
                <button
                  key={choice}
                  type="button"
                  className="btn btn-small btn-ghost"
                  disabled={sized === undefined}
                  onClick={() => sized !== undefined && set({ type: 'quantity', quantity: sized })}
                  data-testid={`size-${choice}`}
                  title={
                    choice === 'max'
                      ? 'The largest amount your balance and the market allow'
                      : `${choice}% of what your ${state.side === 'buy' ? market.quote : market.base} balance allows`
                  }
                >
                  {choice === 'max' ? 'Max' : `${choice}%`}
                </button>
              )
            })}
          </div>
        </DecimalField>
        <DecimalField
          id={ids.total}
          label={
            <>
              Total <span className="muted">{market.quote}</span>
              {state.type === 'market' && <span className="muted"> (estimated)</span>}
            </>
          }
          value={shownTotal}
          placeholder="0.00"
          onChange={(total) => set({ type: 'total', total })}
          onBlur={() => setTouched((value) => ({ ...value, quantity: true }))}
          error={fieldError('total')}
          testId="order-total"
        />
        <dl className="summary" data-testid="order-summary">
          {estimate !== undefined && (
            <>
              <div>
                <dt>Fills at once</dt>
                <dd data-testid="order-fill-estimate">
                  {estimate.averagePrice === undefined
                    ? 'nothing'
                    : `≈ ${formatUnits(estimate.quantity, market.baseDecimals, 6)} ${market.base} @ ${quote(estimate.averagePrice)}`}
                </dd>
              </div>
              <div>
                <dt>Price impact</dt>
                <dd data-testid="order-impact">
                  {estimate.impactPpm === undefined ? '—' : impactText(estimate.impactPpm)}
                </dd>
              </div>
            </>
          )}
          <div>
            <dt>Locks</dt>
            <dd>
              {summary.lock
                ? `${formatUnits(summary.lock.amount, registry.decimalsOf(summary.lock.token), 6)} ${summary.lock.token}`
                : '—'}
            </dd>
          </div>
          <div>
            <dt>
              Available
              {summary.lock &&
              available[summary.lock.token] !== undefined &&
              !verified[summary.lock.token]
                ? ' (unverified)'
                : ''}
            </dt>
            <dd>
              {summary.lock && available[summary.lock.token] !== undefined
                ? `${formatUnits(available[summary.lock.token]!, registry.decimalsOf(summary.lock.token), 4)} ${summary.lock.token}`
                : '—'}
            </dd>
          </div>
          <div>
            <dt>Fee</dt>
            <dd data-testid="order-fee" title="This exchange charges no trading fees">
              0 {market.quote}
            </dd>
          </div>
        </dl>
        {errors
          .filter(
            (error) =>
              error.severity === 'warning' ||
              (error.field === 'form' && error.code !== 'not_connected'),
          )
          // The first form error, and every warning (a self-trade, a partial fill) after it.
          .filter((error, index) => index === 0 || error.severity === 'warning')
          .map((error) => (
            <p
              key={error.code}
              className={error.severity === 'error' ? 'error small' : 'warn small'}
              role="alert"
            >
              {error.text}
            </p>
          ))}
        <details className="sign-details">
          <summary className="small muted">Text you will sign</summary>
          <SignPreview text={draft?.text} testId="order-preview" compact />
        </details>
        <button
          className={`btn block ${state.side === 'buy' ? 'btn-buy' : 'btn-sell'}`}
          type="submit"
          disabled={!draft || busy}
          data-testid="order-submit"
        >
          {buttonText}
        </button>
      </form>
      <div className="requests pad-x" aria-live="polite">
        {latest.map((request) => (
          <RequestTimeline
            key={request.key}
            request={request}
            onDismiss={() => dismiss(request.key)}
          />
        ))}
      </div>
    </section>
  )
}

/** A decimal input with its label and the line for its error; `children` go between the two. */
function DecimalField(props: {
  id: string
  label: ReactNode
  value: string
  placeholder: string
  error: string | undefined
  onChange: (value: string) => void
  onBlur: () => void
  testId: string
  readOnly?: boolean
  children?: ReactNode
}) {
  const { id, error, testId } = props
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        className={`input num ${error ? 'invalid' : ''}`}
        inputMode="decimal"
        value={props.value}
        readOnly={props.readOnly}
        placeholder={props.placeholder}
        onChange={(event) => props.onChange(event.target.value)}
        onBlur={props.onBlur}
        aria-invalid={!!error}
        aria-describedby={`${id}-error`}
        data-testid={testId}
      />
      {props.children}
      <p className="field-error" id={`${id}-error`} data-testid={`${testId}-error`}>
        {error}
      </p>
    </>
  )
}
