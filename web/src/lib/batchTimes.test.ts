import { QueryClient } from '@tanstack/react-query'
import { describe, expect, it } from 'vitest'
import type { OrderFill } from '../../../shared/api/index.ts'
import {
  batchTimeQueryOptions,
  recordBatchTime,
  selectOrderTimes,
  streamedBatchTime,
  streamedTimesMax,
} from './batchTimes.ts'
import { routeLiveEvent, type RouteLiveEventContext } from './routeLiveEvent.ts'

const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const me = '0x00000000000000000000000000000000000000aa'
const fill = (index: number, time?: number): OrderFill => ({
  tradeSeq: index,
  price: '2000000000',
  quantity: '1000',
  role: 'maker',
  index,
  ...(time === undefined ? {} : { time }),
})

describe('selectOrderTimes', () => {
  it('takes known batch times first, then the time of a fill in that batch', () => {
    const known = new Map([[7, 7_000]])
    const order = { placedIndex: 7, updatedIndex: 9, fills: [fill(8, 8_000), fill(9, 9_000)] }
    expect(selectOrderTimes(order, (index) => known.get(index))).toEqual({
      placed: 7_000,
      updated: 9_000,
    })
  })

  it('leaves unknown what neither tells (a cancel in a batch not seen)', () => {
    const order = { placedIndex: 3, updatedIndex: 5, fills: [fill(3, 3_000), fill(4)] }
    expect(selectOrderTimes(order, () => undefined)).toEqual({ placed: 3_000, updated: undefined })
  })
})

describe('batch times from the stream', () => {
  it('remembers the time of receipts and order events, so no request asks for them', async () => {
    const queryClient = new QueryClient()
    const context: RouteLiveEventContext = {
      queryClient,
      books: new Map(),
      markets: new Set(['ETH/USDT']),
      address: me,
      receiptListeners: new Set(),
    }
    routeLiveEvent(
      {
        event: 'receipt',
        data: {
          intentId: hash(1),
          action: 'order',
          status: 'applied',
          index: 12,
          time: 1_700_000_000_123,
          signer: me,
        },
      },
      context,
    )
    routeLiveEvent(
      {
        event: 'order',
        data: {
          orderId: hash(1),
          market: 'ETH/USDT',
          owner: me,
          side: 'sell',
          price: '2000000000',
          quantity: '1000',
          status: 'cancelled',
          filled: '0',
          remaining: '0',
          reason: 'user_cancelled',
          index: 14,
          time: 1_700_000_004_000,
        },
      },
      context,
    )
    expect(streamedBatchTime(queryClient, 12)).toBe(1_700_000_000_123)
    // No replica is given: a fetch would fail. The remembered time answers instead.
    await expect(
      queryClient.fetchQuery(batchTimeQueryOptions(queryClient, undefined, 14, hash(1))),
    ).resolves.toBe(1_700_000_004_000)
  })

  it('keeps no query per batch: an account changing its orders in every batch', () => {
    const queryClient = new QueryClient()
    const context: RouteLiveEventContext = {
      queryClient,
      books: new Map(),
      markets: new Set(['ETH/USDT']),
      address: undefined,
      receiptListeners: new Set(),
    }
    for (let index = 1; index <= 500; index += 1) {
      routeLiveEvent(
        {
          event: 'receipt',
          data: {
            intentId: hash(index),
            action: 'order',
            status: 'applied',
            index,
            time: 1_700_000_000_000 + index,
            signer: me,
          },
        },
        context,
      )
    }
    expect(streamedBatchTime(queryClient, 500)).toBe(1_700_000_000_500)
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0)
  })

  it('keeps the newest streamed times, at most streamedTimesMax', () => {
    const queryClient = new QueryClient()
    for (let index = 1; index <= streamedTimesMax + 1; index += 1) {
      recordBatchTime(queryClient, index, index * 1_000)
    }
    const kept = Array.from({ length: streamedTimesMax + 1 }, (_, i) => i + 1).filter(
      (index) => streamedBatchTime(queryClient, index) !== undefined,
    )
    expect(kept.length).toBeLessThanOrEqual(streamedTimesMax)
    expect(kept.at(-1)).toBe(streamedTimesMax + 1)
    expect(streamedBatchTime(queryClient, 1)).toBeUndefined()
    // What is kept is every time from the oldest kept on: none in between was dropped.
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => kept[0]! + i))
  })
})
