import { useQuery } from '@tanstack/react-query'
import type { MarketInfo, TradesResponse } from '../../../../shared/api/index.ts'
import { BatchTime } from '../../components/BatchTime.tsx'
import { LoadError } from '../../components/LoadError.tsx'
import { formatFixed } from '../../lib/format.ts'
import { tradeFeedQueryOptions } from '../../lib/tradeFeed.ts'
import { useQueryDataNow } from '../../lib/useQueryDataNow.ts'
import { FalseDataNotice } from './FalseDataNotice.tsx'
import type { ReplicaRef } from '../../lib/replicaClient.ts'

/**
 * The market's most recent trades, newest first, live from the stream, each with its batch's
 * time in the user's time zone (the batch number in the tooltip).
 */
export function RecentTrades(props: {
  market: MarketInfo
  primary: ReplicaRef | undefined
  address: string | undefined
}) {
  const { market, primary } = props
  const feedQuery = tradeFeedQueryOptions(primary, market.id)
  const trades = useQuery(feedQuery)
  // Read as the stream changes it: the tape shows a batch's trades with its book.
  const list = useQueryDataNow<TradesResponse>(feedQuery.queryKey)?.trades ?? []
  const me = props.address?.toLowerCase()
  return (
    <section className="panel trades" aria-labelledby="trades-title" data-testid="trades">
      <header className="panel-head">
        <h2 id="trades-title">Recent trades</h2>
      </header>
      <FalseDataNotice market={market.id} kind="trade" />
      {/* Focusable, so the tape can be scrolled from the keyboard. */}
      <div className="scroll" tabIndex={0} role="region" aria-label="Recent trades list">
        <table className="compact-table" aria-label="Recent trades">
          <thead>
            <tr>
              <th scope="col">Price</th>
              <th scope="col" className="num">
                Amount
              </th>
              <th scope="col">Side</th>
              <th scope="col" className="num">
                Time
              </th>
            </tr>
          </thead>
          <tbody>
            {trades.isError && (
              <tr>
                <td colSpan={4}>
                  <LoadError
                    testId="trades-error"
                    message={`Could not load trades${list.length > 0 ? ' (showing the last known)' : ''}.`}
                    // TanStack's refetch never rejects: a failure lands in the query's state.
                    // eslint-disable-next-line @typescript-eslint/no-floating-promises -- never rejects
                    onRetry={() => void trades.refetch()}
                  />
                </td>
              </tr>
            )}
            {list.length === 0 && !trades.isError && (
              <tr>
                <td colSpan={4} className="muted small">
                  {trades.isPending ? 'Loading…' : 'No trades yet'}
                </td>
              </tr>
            )}
            {list.map((trade) => {
              const mine = me !== undefined && (trade.maker === me || trade.taker === me)
              return (
                <tr
                  key={trade.seq}
                  className={mine ? 'mine' : ''}
                  data-testid="trade-row"
                  data-price={trade.price}
                  data-quantity={trade.quantity}
                  data-mine={mine}
                  data-time={trade.time}
                >
                  <td className={`num ${trade.takerSide === 'buy' ? 'up' : 'down'}`}>
                    {mine && (
                      <span className="mine-dot" aria-label="your trade">
                        ●
                      </span>
                    )}
                    {formatFixed(BigInt(trade.price), market.quoteDecimals, 2)}
                  </td>
                  <td className="num">
                    {formatFixed(BigInt(trade.quantity), market.baseDecimals, 4)}
                  </td>
                  {/* The taker's side in words, not only the price's colour. */}
                  <td className={`side ${trade.takerSide === 'buy' ? 'up' : 'down'}`}>
                    {trade.takerSide === 'buy' ? 'Buy' : 'Sell'}
                  </td>
                  <td className="num muted">
                    <BatchTime time={trade.time} detail={`batch #${trade.index}`} />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}
