import type {
  AppliedEvent,
  BalanceEvent,
  BookEvent,
  OrderUpdateEvent,
  ReceiptEvent,
  TradeEvent,
} from '../../shared/api/index.ts'
import type { BatchEffects, TradeRecord } from '../../shared/exchange/index.ts'
import type { OutgoingEvent } from './eventHub.ts'

/**
 * The SSE events of one committed batch, in the documented order: receipts, orders, trades,
 * book deltas, balances, then `applied`. Receipt, order and balance events carry the addresses
 * they concern, for the per-address filter.
 */
export function toSseEvents(effects: BatchEffects, applied: AppliedEvent): OutgoingEvent[] {
  const { index, time } = effects
  const events: OutgoingEvent[] = []
  const receipts = [...effects.receipts, ...effects.droppedReceipts]
  receipts.sort((a, b) => a.position - b.position)
  for (const receipt of receipts) {
    const { intentId, action, signer, status, reason } = receipt
    const data: ReceiptEvent = { intentId, action, status, index, time, signer }
    if (reason !== undefined) data.reason = reason
    events.push({ event: 'receipt', data, addresses: [signer] })
  }
  for (const order of effects.orders) {
    const data: OrderUpdateEvent = {
      orderId: order.orderId,
      market: order.market,
      owner: order.owner,
      side: order.side,
      price: order.price.toString(),
      quantity: order.quantity.toString(),
      status: order.status,
      filled: order.filled.toString(),
      remaining: order.remaining.toString(),
      index,
      time,
    }
    if (order.reason !== undefined) data.reason = order.reason
    events.push({ event: 'order', data, addresses: [order.owner] })
  }
  for (const trade of effects.trades) events.push({ event: 'trade', data: toTradeView(trade) })
  for (const delta of effects.book) {
    const { market, seq, side } = delta
    const price = delta.price.toString()
    const data: BookEvent = { market, seq, side, price, quantity: delta.quantity.toString(), index }
    events.push({ event: 'book', data })
  }
  for (const balance of effects.balances) {
    const data: BalanceEvent = {
      address: balance.address,
      token: balance.token,
      available: balance.available.toString(),
      locked: balance.locked.toString(),
      index,
    }
    events.push({ event: 'balance', data, addresses: [balance.address] })
  }
  events.push({ event: 'applied', data: applied })
  return events
}

/** A trade in its API form (decimal strings). */
function toTradeView(trade: TradeRecord): TradeEvent {
  return { ...trade, price: trade.price.toString(), quantity: trade.quantity.toString() }
}
