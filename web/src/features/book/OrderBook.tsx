import { useQuery } from '@tanstack/react-query'
import { useId, useMemo, useRef, useState } from 'react'
import type { MarketInfo } from '../../../../shared/api/index.ts'
import { LoadError } from '../../components/LoadError.tsx'
import { formatFixed, formatUnits } from '../../lib/format.ts'
import { useLive, useOrderbook } from '../../lib/live.tsx'
import { bestPrices, groupLevels, type BookRow } from '../../lib/orderbookState.ts'
import { ordersQueryOptions } from '../../lib/queries.ts'
import type { ReplicaRef } from '../../lib/replicaClient.ts'
import { FalseDataNotice } from './FalseDataNotice.tsx'
import { moveBookFocus } from './moveBookFocus.ts'

const groupFactors = [1n, 10n, 100n, 1000n]

function decimalsOfStep(step: bigint, decimals: number): number {
  // 10000 base units with 6 decimals is 0.01: two digits.
  let digits = decimals
  let rest = step
  while (digits > 0 && rest % 10n === 0n) {
    rest /= 10n
    digits -= 1
  }
  return digits
}

/**
 * The live book: asks above, bids below, the spread between, grouped by a chosen price step.
 * Rows are clickable (fill the order form's price) and mark levels holding the user's orders.
 * From the keyboard the book is one Tab stop (the last level focused, at first the best ask);
 * the arrow keys move between levels and Enter or Space picks one, as a click does.
 */
export function OrderBook(props: {
  market: MarketInfo
  primary: ReplicaRef | undefined
  address: string | undefined
  rows: number
  /** A click on a level: its price, and with Shift the book's cumulative size up to it. */
  onPick: (price: bigint, cumulative?: bigint) => void
}) {
  const { market, primary, address, onPick } = props
  const view = useOrderbook(market.id)
  const { books } = useLive()
  const tick = BigInt(market.tickQuoteUnitsPerBaseToken)
  const [factor, setFactor] = useState(1n)
  const step = tick * factor
  const priceDigits = decimalsOfStep(step, market.quoteDecimals)
  const groupId = useId()
  const hintId = useId()
  const table = useRef<HTMLTableElement>(null)
  // The level that holds the book's Tab stop, by side and price, so it survives updates.
  const [focusedKey, setFocusedKey] = useState<string>()
  const orders = useQuery({
    ...ordersQueryOptions(primary, address ?? '', market.id),
    enabled: !!address && !!primary,
  })
  const mine = useMemo(() => {
    const prices = { bids: new Set<bigint>(), asks: new Set<bigint>() }
    for (const order of orders.data?.orders ?? []) {
      if (order.status !== 'open') continue
      const price = BigInt(order.price)
      const floor = price - (price % step)
      if (order.side === 'buy') prices.bids.add(floor)
      else prices.asks.add(floor === price ? floor : floor + step)
    }
    return prices
  }, [orders.data, step])

  const book = view.book
  const asks = book ? groupLevels(book.asks, 'asks', step, props.rows) : []
  const bids = book ? groupLevels(book.bids, 'bids', step, props.rows) : []
  const maxTotal = [...asks, ...bids].reduce((max, row) => (row.total > max ? row.total : max), 1n)
  const top = bestPrices(book)
  const spread = top.ask !== undefined && top.bid !== undefined ? top.ask - top.bid : undefined
  const qtyDigits = Math.min(4, market.baseDecimals)
  // Rows top to bottom, as on screen and in the DOM.
  const ordered = [
    ...[...asks].reverse().map((row) => `asks-${row.price}`),
    ...bids.map((row) => `bids-${row.price}`),
  ]
  const focusedIndex = Math.max(
    0,
    focusedKey !== undefined && ordered.includes(focusedKey)
      ? ordered.indexOf(focusedKey)
      : asks.length - 1,
  )
  const focusRow = (index: number) => {
    setFocusedKey(ordered[index])
    table.current?.querySelectorAll<HTMLElement>('[data-testid="book-row"]')[index]?.focus()
  }

  const renderRow = (row: BookRow, side: 'bids' | 'asks') => {
    const key = `${side}-${row.price}`
    const index = ordered.indexOf(key)
    const isMine = mine[side].has(row.price)
    const depth = Number((row.total * 1000n) / maxTotal) / 10
    const priceText = formatFixed(row.price, market.quoteDecimals, priceDigits)
    return (
      <tr
        key={key}
        className={`book-row ${side} ${isMine ? 'mine' : ''}`}
        style={{ ['--depth' as string]: `${depth}%` }}
        tabIndex={index === focusedIndex ? 0 : -1}
        onFocus={() => setFocusedKey(key)}
        onClick={(event) => onPick(row.price, event.shiftKey ? row.total : undefined)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault()
            onPick(row.price, event.shiftKey ? row.total : undefined)
            return
          }
          const next = moveBookFocus(event.key, index, ordered.length)
          if (next === undefined) return
          event.preventDefault()
          focusRow(next)
        }}
        aria-label={`${side === 'bids' ? 'Bid' : 'Ask'} ${priceText} ${market.quote}, ${formatUnits(row.quantity, market.baseDecimals, qtyDigits)} ${market.base}${isMine ? ', includes your order' : ''}`}
        data-testid="book-row"
        data-side={side === 'bids' ? 'buy' : 'sell'}
        data-price={row.price.toString()}
        data-quantity={row.quantity.toString()}
        data-total={row.total.toString()}
        data-mine={isMine}
      >
        <td className={`num price ${side === 'bids' ? 'up' : 'down'}`}>
          {isMine && (
            <span className="mine-dot" aria-hidden>
              ●
            </span>
          )}
          {priceText}
        </td>
        <td className="num">{formatFixed(row.quantity, market.baseDecimals, qtyDigits)}</td>
        <td className="num muted">{formatFixed(row.total, market.baseDecimals, qtyDigits)}</td>
      </tr>
    )
  }

  return (
    <section
      className="panel book"
      aria-labelledby="book-title"
      data-testid="orderbook"
      data-status={view.status}
      // The delta the rows show: tests and bench:browser tell from it when a batch is drawn.
      data-seq={view.book?.seq}
    >
      <header className="panel-head">
        <h2 id="book-title">Order book</h2>
        <div className="row gap-s">
          <label className="sr-only" htmlFor={groupId}>
            Price grouping
          </label>
          <select
            id={groupId}
            className="input compact"
            value={factor.toString()}
            onChange={(event) => setFactor(BigInt(event.target.value))}
            data-testid="book-grouping"
            title="Price grouping"
          >
            {groupFactors.map((value) => (
              <option key={value.toString()} value={value.toString()}>
                {formatUnits(tick * value, market.quoteDecimals, market.quoteDecimals)}
              </option>
            ))}
          </select>
        </div>
      </header>
      <FalseDataNotice market={market.id} kind="book" />
      <p id={hintId} className="sr-only">
        Up and Down arrows move between price levels; Enter uses a level&apos;s price, Shift+Enter
        also the size up to it.
      </p>
      <table
        ref={table}
        className="book-table"
        aria-label={`${market.id} order book`}
        aria-describedby={hintId}
      >
        <thead>
          <tr>
            <th scope="col">
              Price <span className="muted">{market.quote}</span>
            </th>
            <th scope="col" className="num">
              Amount <span className="muted">{market.base}</span>
            </th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody className="asks" aria-label="Asks">
          {Array.from({ length: props.rows - asks.length }, (_, i) => (
            <tr key={`pad-a-${i}`} className="book-row pad" aria-hidden>
              <td colSpan={3} />
            </tr>
          ))}
          {[...asks].reverse().map((row) => renderRow(row, 'asks'))}
        </tbody>
        <tbody className="spread-body">
          <tr className="spread">
            <td colSpan={3}>
              {view.status === 'error' ? (
                <LoadError
                  testId="book-error"
                  message={`Could not load the book${primary ? ` from ${primary.id}` : ''}; retrying.`}
                  onRetry={() => books.get(market.id)?.resync()}
                />
              ) : view.status === 'loading' ? (
                <span className="muted">Loading book…</span>
              ) : spread !== undefined ? (
                <>
                  <span className="mid" data-testid="book-mid">
                    {formatFixed((top.ask! + top.bid!) / 2n, market.quoteDecimals, priceDigits)}
                  </span>
                  <span className="muted small">
                    {' '}
                    spread {formatUnits(spread, market.quoteDecimals)}
                  </span>
                </>
              ) : (
                <span className="muted small">
                  {asks.length + bids.length === 0
                    ? 'Empty book — place the first order'
                    : 'One-sided book'}
                </span>
              )}
              {view.status === 'resyncing' && <span className="muted small"> · resyncing</span>}
            </td>
          </tr>
        </tbody>
        <tbody className="bids" aria-label="Bids">
          {bids.map((row) => renderRow(row, 'bids'))}
          {Array.from({ length: props.rows - bids.length }, (_, i) => (
            <tr key={`pad-b-${i}`} className="book-row pad" aria-hidden>
              <td colSpan={3} />
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
