import type { MarketInfo, OrderUpdateEvent, TradeEvent } from '../../../../shared/api/index.ts'
import { formatUnits } from '../../lib/format.ts'
import { describeReason } from '../../lib/rejectReasonText.ts'
import { describeRequestReason } from '../requests/requestReason.ts'
import type { TrackedRequest } from '../requests/requestsState.ts'

/** One toast: what happened to the user's orders or requests. */
export interface Notification {
  /** Stable per event, so an event delivered twice (a stream resumed) shows once. */
  readonly id: string
  readonly kind: 'fill' | 'cancel' | 'reject' | 'error'
  readonly title: string
  readonly body: string
  /** The batch time of the event, when it came from a batch. */
  readonly time?: number | undefined
}

/** Most toasts shown at once; a new one pushes out the oldest. */
export const toastsVisibleMax = 3

/** How long a toast stays, by kind: errors and rejections longer, to be read. */
export function toastDurationMs(kind: Notification['kind']): number {
  return kind === 'reject' || kind === 'error' ? 10_000 : 6_000
}

export type ToastsAction =
  { type: 'push'; notification: Notification } | { type: 'dismiss'; id: string }

/** The toasts shown, oldest first, at most `toastsVisibleMax`; a known id is not shown again. */
export function toastsReducer(
  state: readonly Notification[],
  action: ToastsAction,
): readonly Notification[] {
  switch (action.type) {
    case 'push':
      if (state.some((toast) => toast.id === action.notification.id)) return state
      return [...state, action.notification].slice(-toastsVisibleMax)
    case 'dismiss':
      return state.filter((toast) => toast.id !== action.id)
  }
}

/** The stream events of one batch that can concern the user's orders. */
export type OrderActivityEvent =
  { event: 'trade'; data: TradeEvent } | { event: 'order'; data: OrderUpdateEvent }

const sideWord = (side: 'buy' | 'sell') => (side === 'buy' ? 'Buy' : 'Sell')

/**
 * The toasts for one applied batch, from its trades and order events: one per order of
 * `address` that filled in the batch (its amount and average price, whether the order is now
 * filled or partly filled, as maker or taker), and one per order cancelled (several by one
 * cancel-all read as one). The unfilled rest of an immediate-or-cancel order that filled in the
 * batch says nothing more than its fill.
 */
export function buildBatchNotifications(
  events: readonly OrderActivityEvent[],
  address: string,
  marketOf: (id: string) => MarketInfo | undefined,
): Notification[] {
  const me = address.toLowerCase()
  const fills = new Map<
    string,
    { market: string; side: 'buy' | 'sell'; quantity: bigint; notional: bigint; trade: TradeEvent }
  >()
  const orders = new Map<string, OrderUpdateEvent>()
  for (const item of events) {
    if (item.event === 'order') {
      if (item.data.owner === me) orders.set(item.data.orderId, item.data)
      continue
    }
    const trade = item.data
    const mine: [string, 'buy' | 'sell'][] = []
    if (trade.maker === me)
      mine.push([trade.makerOrderId, trade.takerSide === 'buy' ? 'sell' : 'buy'])
    if (trade.taker === me) mine.push([trade.takerOrderId, trade.takerSide])
    for (const [orderId, side] of mine) {
      const sum = fills.get(orderId) ?? {
        market: trade.market,
        side,
        quantity: 0n,
        notional: 0n,
        trade,
      }
      sum.quantity += BigInt(trade.quantity)
      sum.notional += BigInt(trade.price) * BigInt(trade.quantity)
      fills.set(orderId, sum)
    }
  }

  const notifications: Notification[] = []
  for (const [orderId, fill] of fills) {
    const market = marketOf(fill.market)
    if (market === undefined || fill.quantity === 0n) continue
    const order = orders.get(orderId)
    const average = fill.notional / fill.quantity
    const done = order === undefined || order.status !== 'open'
    const amount = `${formatUnits(fill.quantity, market.baseDecimals)} ${market.base}`
    const of =
      order && !done ? ` of ${formatUnits(BigInt(order.quantity), market.baseDecimals)}` : ''
    notifications.push({
      id: `fill:${orderId}:${fill.trade.index}`,
      kind: 'fill',
      title: `${sideWord(fill.side)} order ${done ? 'filled' : 'partly filled'}`,
      body: `${amount}${of} at ${formatUnits(average, market.quoteDecimals)} ${market.quote} · ${market.id}`,
      time: fill.trade.time,
    })
  }

  const cancelled = [...orders.values()].filter(
    (order) =>
      order.status === 'cancelled' &&
      !(order.reason === 'ioc_remainder' && fills.has(order.orderId)),
  )
  const byCancelAll = new Map<string, OrderUpdateEvent[]>()
  for (const order of cancelled) {
    if (order.reason === 'cancel_all') {
      byCancelAll.set(order.market, [...(byCancelAll.get(order.market) ?? []), order])
      continue
    }
    const market = marketOf(order.market)
    if (market === undefined) continue
    const what = `${sideWord(order.side)} ${formatUnits(BigInt(order.quantity), market.baseDecimals)} ${market.base} at ${formatUnits(BigInt(order.price), market.quoteDecimals)}`
    notifications.push({
      id: `cancel:${order.orderId}`,
      kind: 'cancel',
      title: 'Order cancelled',
      body: `${what} · ${describeReason(order.reason ?? 'user_cancelled')}`,
      time: order.time,
    })
  }
  for (const [market, group] of byCancelAll) {
    const first = group[0]!
    notifications.push({
      id: `cancel:${first.orderId}`,
      kind: 'cancel',
      title: group.length === 1 ? 'Order cancelled' : `${group.length} orders cancelled`,
      body: `All your ${market} orders · ${describeReason('cancel_all')}`,
      time: first.time,
    })
  }
  return notifications
}

/**
 * The toast for a request that just ended badly: `rejected` (a quorum of replicas, or a
 * replica's refusal before sequencing, with the reason) or `failed`. Undefined otherwise: a
 * request the user declined in the wallet needs no toast, and what applied shows in its place.
 */
export function requestNotification(
  before: TrackedRequest['stage'] | undefined,
  request: TrackedRequest,
): Notification | undefined {
  if (before === request.stage) return undefined
  if (request.stage === 'rejected') {
    return {
      id: `reject:${request.key}`,
      kind: 'reject',
      title: `Rejected: ${request.title}`,
      body: request.reason ? describeRequestReason(request.reason) : 'Rejected',
      time: request.batchTime,
    }
  }
  if (request.stage === 'failed') {
    return {
      id: `failed:${request.key}`,
      kind: 'error',
      title: `Failed: ${request.title}`,
      body: request.reason ? describeRequestReason(request.reason) : 'unknown error',
    }
  }
  return undefined
}
