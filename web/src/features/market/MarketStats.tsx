import { useQuery } from '@tanstack/react-query'
import { useMemo, type ReactNode } from 'react'
import type { MarketInfo, TradesResponse } from '../../../../shared/api/index.ts'
import { formatFixed, formatUnits } from '../../lib/format.ts'
import { useOrderbook } from '../../lib/live.tsx'
import { bestPrices } from '../../lib/orderbookState.ts'
import type { ReplicaRef } from '../../lib/replicaClient.ts'
import { tradeFeedQueryOptions } from '../../lib/tradeFeed.ts'
import { tradeHistoryQueryOptions } from '../../lib/tradeHistory.ts'
import { useQueryDataNow } from '../../lib/useQueryDataNow.ts'
import { calculateMarketStats, calculateSpreadBps, formatBps } from './calculateMarketStats.ts'

/**
 * The header's market figures: the last price, coloured (and marked ▲/▼) by the way it last
 * moved, and over 24 h the change, high, low and volume, then the book's spread as a share of
 * the mid price.
 */
export function MarketStats(props: { market: MarketInfo; primary: ReplicaRef | undefined }) {
  const { market, primary } = props
  const historyQuery = tradeHistoryQueryOptions(primary, market.id)
  const feedQuery = tradeFeedQueryOptions(primary, market.id)
  // The queries fetch; their data is read as the stream changes it (`useQueryDataNow`).
  useQuery(historyQuery)
  useQuery(feedQuery)
  const history = useQueryDataNow<TradesResponse>(historyQuery.queryKey)
  const feed = useQueryDataNow<TradesResponse>(feedQuery.queryKey)
  const book = useOrderbook(market.id)
  // Over every trade held: made again when trades come, and each minute the 24 h window moves
  // on (at a render), not at each move of the book.
  const minute = Math.floor(Date.now() / 60_000)
  const stats = useMemo(() => {
    const trades = [...(history?.trades ?? []), ...(feed?.trades ?? [])]
    const latestTime = Math.max(0, ...trades.map((trade) => trade.time ?? 0))
    return calculateMarketStats({
      trades,
      // The browser's clock, or the latest batch time when the clock is behind it.
      now: Math.max(Date.now(), latestTime),
      more: history?.next != null,
    })
  }, [history, feed, minute])
  const { bid, ask } = bestPrices(book.book)
  const spreadBps = calculateSpreadBps(bid, ask)
  const price = (units: bigint) => formatFixed(units, market.quoteDecimals, 2)
  const approx = stats.partial ? '≥ ' : ''
  const direction = stats.tick === 'up' ? 'up' : stats.tick === 'down' ? 'down' : ''
  const changeClass =
    stats.change === undefined ? '' : stats.change > 0n ? 'up' : stats.change < 0n ? 'down' : ''
  return (
    <>
      <span
        className={`last-price num ${direction}`}
        data-testid="last-price"
        data-tick={stats.tick}
        aria-label="Last trade price"
      >
        {stats.last === undefined ? '—' : price(stats.last)}
      </span>
      <span className="muted small">
        {stats.tick === 'up' ? '▲ last' : stats.tick === 'down' ? '▼ last' : 'last'}
      </span>
      <dl
        className="market-stats small"
        data-testid="market-stats"
        title={
          stats.partial ? 'From the latest 500 trades; older ones of the day are left out' : ''
        }
      >
        <Figure label="24h change" testId="stat-change" className={changeClass}>
          {stats.change === undefined || stats.changeBps === undefined
            ? '—'
            : `${stats.change < 0n ? '−' : stats.change > 0n ? '+' : ''}${price(stats.change < 0n ? -stats.change : stats.change)} (${formatBps(stats.changeBps)})`}
        </Figure>
        <Figure label="24h high" testId="stat-high">
          {stats.high === undefined ? '—' : price(stats.high)}
        </Figure>
        <Figure label="24h low" testId="stat-low">
          {stats.low === undefined ? '—' : price(stats.low)}
        </Figure>
        <Figure label="24h volume" testId="stat-volume">
          {approx}
          {formatUnits(stats.volume, market.baseDecimals, 4)} {market.base}
        </Figure>
        <Figure label="Spread" testId="stat-spread">
          {spreadBps === undefined ? '—' : formatBps(spreadBps, false)}
        </Figure>
      </dl>
    </>
  )
}

/** One figure of the header's list: its name over its value. */
function Figure(props: { label: string; testId: string; className?: string; children: ReactNode }) {
  return (
    <div>
      <dt className="muted">{props.label}</dt>
      <dd className={`num ${props.className ?? ''}`} data-testid={props.testId}>
        {props.children}
      </dd>
    </div>
  )
}
