import { describe, expect, it } from 'vitest'
import type { MarketInfo, OrderUpdateEvent } from '../../../../shared/api/index.ts'
import { describeReason } from '../../lib/rejectReasonText.ts'
import { fixtureTrade } from '../../testing/tradeFixture.ts'
import { reasonCode, reasonText } from '../requests/requestReason.ts'
import type { TrackedRequest } from '../requests/requestsState.ts'
import {
  buildBatchNotifications,
  requestNotification,
  toastsReducer,
  toastsVisibleMax,
  type Notification,
  type OrderActivityEvent,
} from './notifications.ts'

const market: MarketInfo = {
  id: 'ETH/USDT',
  base: 'ETH',
  quote: 'USDT',
  baseDecimals: 18,
  quoteDecimals: 6,
  tickQuoteUnitsPerBaseToken: '10000',
  lotBaseUnits: '1000000000000000',
  minQuantityBaseUnits: '1000000000000000',
  maxQuantityBaseUnits: '1000000000000000000000',
  maxPriceQuoteUnitsPerBaseToken: '1000000000000',
}
const marketOf = (id: string) => (id === market.id ? market : undefined)
const alice = '0x00000000000000000000000000000000000000aa'
const bob = '0x00000000000000000000000000000000000000bb'
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const eth = (text: string) => BigInt(Math.round(Number(text) * 1000)) * 10n ** 15n

function trade(seq: number, price: string, quantity: string, maker = alice): OrderActivityEvent {
  // Alice's resting order hash(1) meets Bob's taker order hash(100 + seq), all in batch 9.
  const data = fixtureTrade(seq, {
    market: market.id,
    price: (BigInt(price) * 1_000_000n).toString(),
    quantity: eth(quantity).toString(),
    makerOrderId: hash(1),
    takerOrderId: hash(100 + seq),
    maker,
    taker: bob,
    index: 9,
    time: 1_700_000_000_000,
  })
  return { event: 'trade', data }
}

function order(patch: Partial<OrderUpdateEvent>): OrderActivityEvent {
  return {
    event: 'order',
    data: {
      orderId: hash(1),
      market: market.id,
      owner: alice,
      side: 'sell',
      price: '2000000000',
      quantity: eth('1').toString(),
      status: 'open',
      filled: '0',
      remaining: eth('1').toString(),
      index: 9,
      time: 1_700_000_000_000,
      ...patch,
    },
  }
}

describe('buildBatchNotifications', () => {
  it('tells the maker its resting order filled, with the average price', () => {
    const events = [
      trade(1, '2000', '0.5'),
      trade(2, '2010', '0.5'),
      order({ status: 'filled', filled: eth('1').toString(), remaining: '0' }),
    ]
    expect(buildBatchNotifications(events, alice, marketOf)).toEqual([
      {
        id: `fill:${hash(1)}:9`,
        kind: 'fill',
        title: 'Sell order filled',
        body: '1 ETH at 2,005 USDT · ETH/USDT',
        time: 1_700_000_000_000,
      },
    ])
    // The taker hears of its own side; a stranger hears nothing.
    const forBob = buildBatchNotifications(events, bob, marketOf)
    expect(forBob.map((item) => [item.title, item.body])).toEqual([
      ['Buy order filled', '0.5 ETH at 2,000 USDT · ETH/USDT'],
      ['Buy order filled', '0.5 ETH at 2,010 USDT · ETH/USDT'],
    ])
    expect(buildBatchNotifications(events, hash(7).slice(0, 42), marketOf)).toEqual([])
  })

  it('says partly filled while the order still rests', () => {
    const events = [
      trade(1, '2000', '0.25'),
      order({ status: 'open', filled: eth('0.25').toString() }),
    ]
    const [only] = buildBatchNotifications(events, alice, marketOf)
    expect(only?.title).toBe('Sell order partly filled')
    expect(only?.body).toBe('0.25 ETH of 1 at 2,000 USDT · ETH/USDT')
  })

  it('announces cancels with their reason, one for a whole cancel-all', () => {
    const cancelled = buildBatchNotifications(
      [order({ status: 'cancelled', reason: 'self_trade_prevention', remaining: '0' })],
      alice,
      marketOf,
    )
    expect(cancelled.map((item) => [item.kind, item.title])).toEqual([
      ['cancel', 'Order cancelled'],
    ])
    expect(cancelled[0]?.body).toMatch(/^Sell 1 ETH at 2,000 · Cancelled: your own order/)
    const all = buildBatchNotifications(
      [
        order({ orderId: hash(2), status: 'cancelled', reason: 'cancel_all' }),
        order({ orderId: hash(3), status: 'cancelled', reason: 'cancel_all' }),
      ],
      alice,
      marketOf,
    )
    expect(all.map((item) => item.title)).toEqual(['2 orders cancelled'])
  })

  it('an IOC remainder after a fill adds nothing to the fill', () => {
    const taker = hash(101)
    const events = [
      trade(1, '2000', '0.5'),
      order({
        orderId: taker,
        owner: bob,
        side: 'buy',
        status: 'cancelled',
        reason: 'ioc_remainder',
      }),
    ]
    expect(buildBatchNotifications(events, bob, marketOf).map((item) => item.kind)).toEqual([
      'fill',
    ])
  })
})

describe('toasts', () => {
  const toast = (n: number): Notification => ({ id: `t${n}`, kind: 'fill', title: '', body: '' })

  it('keeps at most a few, drops the oldest, and shows an id once', () => {
    let state: readonly Notification[] = []
    for (let n = 0; n < 5; n++)
      state = toastsReducer(state, { type: 'push', notification: toast(n) })
    expect(state.map((item) => item.id)).toEqual(['t2', 't3', 't4'])
    expect(state).toHaveLength(toastsVisibleMax)
    expect(toastsReducer(state, { type: 'push', notification: toast(3) })).toBe(state)
    expect(toastsReducer(state, { type: 'dismiss', id: 't3' }).map((item) => item.id)).toEqual([
      't2',
      't4',
    ])
  })
})

describe('requestNotification', () => {
  const request: TrackedRequest = {
    key: 'k',
    action: 'order',
    title: 'Buy 0.1 ETH @ 10',
    text: '',
    intentId: hash(5),
    signer: alice,
    stage: 'rejected',
    reason: reasonCode('no_liquidity'),
    startedAt: 0,
  }

  it('tells a rejection once, with the reason in words', () => {
    expect(requestNotification('finalized', request)).toMatchObject({
      kind: 'reject',
      title: 'Rejected: Buy 0.1 ETH @ 10',
      body: 'No liquidity to match against',
    })
    expect(requestNotification('rejected', request)).toBeUndefined()
    expect(requestNotification('wallet', { ...request, stage: 'declined' })).toBeUndefined()
    expect(
      requestNotification('submitting', { ...request, stage: 'failed', reason: reasonText('x') }),
    ).toMatchObject({
      kind: 'error',
    })
  })

  it('shows the text of a failure as written, and a code only through the sentence table', () => {
    // Text that happens to look like a code is prose, not a code to translate.
    const transport = reasonText('Cannot reach replica_2.local:9000')
    expect(
      requestNotification('submitting', { ...request, stage: 'failed', reason: transport }),
    ).toMatchObject({ kind: 'error', body: 'Cannot reach replica_2.local:9000' })
    const expired = { ...request, reason: reasonCode('expired') }
    expect(requestNotification('finalized', expired)?.body).toBe(describeReason('expired'))
    expect(requestNotification('finalized', expired)?.body).not.toContain('_')
  })
})
