import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { Fragment, useEffect, useState } from 'react'
import { orderFillsMax, type MarketInfo, type OrderView } from '../../../../shared/api/index.ts'
import { BatchTime } from '../../components/BatchTime.tsx'
import { LoadError } from '../../components/LoadError.tsx'
import { batchTimeQueryOptions, selectOrderTimes, streamedBatchTime } from '../../lib/batchTimes.ts'
import { formatFixed, shortHash } from '../../lib/format.ts'
import { describeReason } from '../../lib/rejectReasonText.ts'
import { buildDraft, freshNonce } from '../../lib/intentDraft.ts'
import { ordersQueryOptions, verifiedPortfolioQueryOptions } from '../../lib/queries.ts'
import type { AppRegistry } from '../../lib/registry.ts'
import type { ReplicaRef } from '../../lib/replicaClient.ts'
import { RequestTimeline } from '../requests/RequestTimeline.tsx'
import { useRequests } from '../requests/RequestsProvider.tsx'
import {
  OpenOrderProofBadge,
  OpenOrderProofDetails,
  OpenOrdersProofSummary,
} from './OpenOrderProof.tsx'
import { cancellingIn } from './cancelling.ts'
import { useShownOrderProofs } from './useShownOrderProofs.ts'

type Tab = 'open' | 'fills' | 'history' | 'requests'

/**
 * My open orders (cancel, cancel all), each proven against the quorum root the balances are
 * proven against (the portfolio check), my fills, closed orders and every signing request.
 */
export function ActivityPanel(props: {
  registry: AppRegistry
  market: MarketInfo
  primary: ReplicaRef | undefined
  address: `0x${string}` | undefined
}) {
  const { registry, market, primary, address } = props
  const [tab, setTab] = useState<Tab>('open')
  const orders = useQuery({
    ...ordersQueryOptions(primary, address ?? '', market.id),
    enabled: !!address && !!primary,
  })
  // The same query as the balances' (one check, one root aggregate, for both).
  const portfolioQuery = useQuery({
    ...verifiedPortfolioQueryOptions(registry, address ?? ''),
    enabled: !!address,
  })
  const portfolio = portfolioQuery.data
  const [proofShown, setProofShown] = useState<string | undefined>(undefined)
  const { submit, requests, dismiss, clearFinished } = useRequests()
  const all = orders.data?.orders ?? []
  const open = all.filter((order) => order.status === 'open')
  const listing = { replicaId: primary?.id ?? '', index: orders.data?.index ?? 0 }
  const openProofs = useShownOrderProofs({
    open,
    market,
    listing,
    portfolio,
    listedAt: orders.dataUpdatedAt,
    refetch: orders.refetch,
  })
  const closed = all.filter((order) => order.status !== 'open')
  // When each listed order was placed and last changed: from its fills and the batch times the
  // stream told, else asked once per order of the tab shown (`GET /tx/:orderId`).
  const listed = tab === 'open' ? open : tab === 'history' ? closed : []
  const queryClient = useQueryClient()
  const timeQueries = useQueries({
    queries: listed.map((order) => ({
      ...batchTimeQueryOptions(queryClient, primary, order.placedIndex, order.orderId),
      enabled:
        primary !== undefined && order.fills.every((fill) => fill.index !== order.placedIndex),
    })),
  })
  const knownTimes = new Map<number, number>()
  for (const [position, order] of listed.entries()) {
    const time = timeQueries[position]?.data
    if (typeof time === 'number') knownTimes.set(order.placedIndex, time)
  }
  // Times of other batches the stream told (a cancel's): read as the orders refetch after them.
  const timeOf = (index: number) => knownTimes.get(index) ?? streamedBatchTime(queryClient, index)
  const timesOf = (order: OrderView) => selectOrderTimes(order, timeOf)
  const fills = all
    .flatMap((order) => order.fills.map((fill) => ({ order, fill })))
    .sort((a, b) => b.fill.index - a.fill.index || b.fill.tradeSeq - a.fill.tradeSeq)
  // The replica answers a page at a time: say so when this is not everything.
  const partial = [
    orders.data?.next != null ? `the ${all.length} most recently updated orders` : undefined,
    all.some((order) => order.fillsTruncated)
      ? `the latest ${orderFillsMax} fills of each order`
      : undefined,
  ].filter((part) => part !== undefined)

  const cancel = async (order: OrderView | undefined) => {
    if (!address) return
    const fields = order
      ? { action: 'cancel' as const, market: market.id, orderId: order.orderId }
      : { action: 'cancelAll' as const, market: market.id }
    const built = buildDraft(registry, address, freshNonce(), fields)
    if (!built.ok) return
    setTab((current) => (current === 'open' ? current : current))
    await submit(
      built.draft,
      order ? `Cancel order ${shortHash(order.orderId)}` : `Cancel all ${market.id} orders`,
    )
  }
  const cancelAndReport = (order: OrderView | undefined) => {
    cancel(order).catch((error: unknown) => console.error('Cancelling failed:', error))
  }
  const cancelling = cancellingIn(requests, market.id)
  const isCancelling = (order: OrderView) =>
    cancelling.all || cancelling.orderIds.has(order.orderId)
  // Cancel all asks once more before it goes to the wallet: it takes every open order. A
  // question left open while the orders went is not asked again when new ones come.
  const [confirmingAll, setConfirmingAll] = useState(false)
  const noneOpen = open.length === 0
  useEffect(() => {
    if (noneOpen) setConfirmingAll(false)
  }, [noneOpen])

  // `short` replaces `label` where the panel is narrow (styles.css), so every tab stays in view.
  const tabs: { id: Tab; label: string; short: string }[] = [
    { id: 'open', label: `Open orders (${open.length})`, short: `Open (${open.length})` },
    { id: 'fills', label: `Fills (${fills.length})`, short: `Fills (${fills.length})` },
    { id: 'history', label: 'Order history', short: 'History' },
    {
      id: 'requests',
      label: `Requests (${requests.length})`,
      short: `Requests (${requests.length})`,
    },
  ]
  const price = (units: string) => formatFixed(BigInt(units), market.quoteDecimals, 2)
  const qty = (units: string) => formatFixed(BigInt(units), market.baseDecimals, 4)

  return (
    <section className="panel activity" aria-label="Activity" data-testid="activity">
      <header className="panel-head tabs-head">
        <div className="tabs" role="tablist" aria-label="Activity">
          {tabs.map((item) => (
            <button
              key={item.id}
              role="tab"
              aria-selected={tab === item.id}
              aria-controls={`activity-${item.id}`}
              id={`tab-${item.id}`}
              className={`tab ${tab === item.id ? 'on' : ''}`}
              onClick={() => setTab(item.id)}
              data-testid={`tab-${item.id}`}
            >
              <span className="tab-long">{item.label}</span>
              <span className="tab-short">{item.short}</span>
            </button>
          ))}
        </div>
        {tab === 'open' && open.length > 0 && !confirmingAll && (
          <button
            className="btn btn-small btn-ghost"
            onClick={() => setConfirmingAll(true)}
            disabled={cancelling.all}
            data-testid="cancel-all"
          >
            {cancelling.all ? 'Cancelling all…' : 'Cancel all'}
          </button>
        )}
        {tab === 'open' && open.length > 0 && confirmingAll && (
          <span className="row gap small" role="group" aria-label="Confirm cancel all">
            <span>
              Cancel all {open.length} {market.id} orders?
            </span>
            <button
              className="btn btn-small btn-sell"
              onClick={() => {
                setConfirmingAll(false)
                cancelAndReport(undefined)
              }}
              data-testid="cancel-all-confirm"
            >
              Cancel all
            </button>
            <button
              className="btn btn-small btn-ghost"
              onClick={() => setConfirmingAll(false)}
              data-testid="cancel-all-keep"
            >
              Keep them
            </button>
          </span>
        )}
        {tab === 'requests' && requests.length > 0 && (
          <button className="btn btn-small btn-ghost" onClick={clearFinished}>
            Clear finished
          </button>
        )}
      </header>
      {/* A tab panel takes focus (ARIA practice), which also lets it scroll from the keyboard. */}
      <div
        className="scroll"
        role="tabpanel"
        tabIndex={0}
        id={`activity-${tab}`}
        aria-labelledby={`tab-${tab}`}
      >
        {address && tab !== 'requests' && orders.isError && (
          <LoadError
            testId="orders-error"
            message={`Could not load your orders${orders.data ? ' (showing the last known)' : ''}.`}
            // TanStack's refetch never rejects: a failure lands in the query's state.
            // eslint-disable-next-line @typescript-eslint/no-floating-promises -- never rejects
            onRetry={() => void orders.refetch()}
          />
        )}
        {!address ? (
          <p className="muted pad">Connect a wallet to see your orders.</p>
        ) : tab !== 'requests' && orders.data === undefined ? (
          orders.isError ? null : (
            <p className="muted small pad" aria-busy="true">
              Loading your orders…
            </p>
          )
        ) : tab === 'open' ? (
          <>
            <table className="compact-table fit" data-testid="open-orders">
              <thead>
                <tr>
                  <th scope="col">Placed</th>
                  <th scope="col">Side</th>
                  <th scope="col" className="num">
                    Price
                  </th>
                  <th scope="col" className="num">
                    Amount
                  </th>
                  <th scope="col" className="num">
                    Filled
                  </th>
                  <th scope="col">Type</th>
                  <th scope="col">Order</th>
                  <th scope="col">Proof</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {open.length === 0 && (
                  <tr>
                    <td colSpan={9} className="muted small">
                      No open orders
                    </td>
                  </tr>
                )}
                {open.map((order, position) => (
                  <Fragment key={order.orderId}>
                    <tr
                      data-testid="open-order"
                      data-order-id={order.orderId}
                      data-price={order.price}
                      data-placed-time={timesOf(order).placed}
                      data-proof={openProofs[position]!.state}
                    >
                      <td className="small muted">
                        <BatchTime
                          time={timesOf(order).placed}
                          detail={`batch #${order.placedIndex}`}
                        />
                      </td>
                      <td className={order.side === 'buy' ? 'up' : 'down'}>
                        {order.side === 'buy' ? 'Buy' : 'Sell'}
                      </td>
                      <td className="num">{price(order.price)}</td>
                      <td className="num">{qty(order.quantity)}</td>
                      <td className="num">{qty(order.filled)}</td>
                      <td className="small muted">
                        {order.timeInForce === 'POST_ONLY' ? 'Post only' : order.type}
                      </td>
                      <td className="mono small muted" title={order.orderId}>
                        {shortHash(order.orderId)}
                      </td>
                      <td>
                        <OpenOrderProofBadge
                          shown={openProofs[position]!}
                          portfolio={portfolio}
                          open={proofShown === order.orderId}
                          onToggle={() =>
                            setProofShown((shown) =>
                              shown === order.orderId ? undefined : order.orderId,
                            )
                          }
                        />
                      </td>
                      <td className="num">
                        <button
                          className="btn btn-small btn-ghost"
                          onClick={() => cancelAndReport(order)}
                          disabled={isCancelling(order)}
                          aria-label={`${isCancelling(order) ? 'Cancelling' : 'Cancel'} order ${shortHash(order.orderId)}`}
                          data-testid="cancel-order"
                        >
                          {isCancelling(order) ? 'Cancelling…' : 'Cancel'}
                        </button>
                      </td>
                    </tr>
                    {proofShown === order.orderId && (
                      <tr>
                        <td colSpan={9}>
                          <OpenOrderProofDetails
                            orderId={order.orderId}
                            shown={openProofs[position]!}
                            portfolio={portfolio}
                            checkedAtMs={portfolioQuery.dataUpdatedAt}
                          />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
            <OpenOrdersProofSummary shown={openProofs} portfolio={portfolio} />
          </>
        ) : tab === 'fills' ? (
          <table className="compact-table fit" data-testid="fills">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Side</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {fills.length === 0 && (
                <tr>
                  <td colSpan={5} className="muted small">
                    No fills yet
                  </td>
                </tr>
              )}
              {fills.map(({ order, fill }) => (
                <tr
                  key={`${order.orderId}-${fill.tradeSeq}`}
                  data-testid="fill"
                  data-price={fill.price}
                  data-quantity={fill.quantity}
                  data-time={fill.time}
                >
                  <td className="small muted">
                    <BatchTime time={fill.time} detail={`batch #${fill.index}`} />
                  </td>
                  <td className={order.side === 'buy' ? 'up' : 'down'}>
                    {order.side === 'buy' ? 'Buy' : 'Sell'}
                  </td>
                  <td className="num">{price(fill.price)}</td>
                  <td className="num">{qty(fill.quantity)}</td>
                  <td className="small muted">{fill.role}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : tab === 'history' ? (
          <table className="compact-table fit">
            <thead>
              <tr>
                <th scope="col">Placed</th>
                <th scope="col">Side</th>
                <th scope="col" className="num">
                  Price
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Filled
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {closed.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted small">
                    No closed orders
                  </td>
                </tr>
              )}
              {closed.map((order) => (
                <tr key={order.orderId} data-testid="closed-order" data-status={order.status}>
                  <td className="small muted">
                    <BatchTime
                      time={timesOf(order).placed}
                      detail={`batch #${order.placedIndex}`}
                    />
                  </td>
                  <td className={order.side === 'buy' ? 'up' : 'down'}>
                    {order.side === 'buy' ? 'Buy' : 'Sell'}
                  </td>
                  <td className="num">{price(order.price)}</td>
                  <td className="num">{qty(order.quantity)}</td>
                  <td className="num">{qty(order.filled)}</td>
                  <td className="small" title={order.reason}>
                    {order.status}
                    {order.reason ? ` · ${describeReason(order.reason)}` : ''}
                    {timesOf(order).updated !== undefined && (
                      <>
                        {' · '}
                        <BatchTime time={timesOf(order).updated} />
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {address && tab !== 'requests' && partial.length > 0 && (
          <p className="muted small pad" data-testid="orders-partial">
            Showing {partial.join(' and ')}.
          </p>
        )}
        {/* Only open orders carry a proof: fills and closed orders are one replica's list. */}
        {address && (tab === 'fills' || tab === 'history') && (
          <p className="muted small pad" data-testid="orders-unverified">
            ⚠ Unverified: as {listing.replicaId || 'one replica'} lists them. No proof ties{' '}
            {tab === 'fills' ? 'fills' : 'closed orders'} to a root a quorum signed.
          </p>
        )}
        {address && tab === 'requests' && (
          <div className="pad-x request-list">
            {requests.length === 0 && (
              <p className="muted small pad">Nothing signed yet in this session.</p>
            )}
            {requests.map((request) => (
              <RequestTimeline
                key={request.key}
                request={request}
                onDismiss={() => dismiss(request.key)}
              />
            ))}
          </div>
        )}
      </div>
    </section>
  )
}
