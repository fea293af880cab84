import { describe, expect, it } from 'vitest'
import type { OrderView, OrdersResponse } from '../../../shared/api/index.ts'
import { listedOrder } from '../../../shared/exchange/testing.ts'
import { mergeOrderPages } from './orderPages.ts'

const address = `0x${'11'.repeat(20)}`

function order(n: number, status: OrderView['status'] = 'open'): OrderView {
  const orderId = `0x${n.toString(16).padStart(64, '0')}`
  return listedOrder({ orderId, owner: address, status, placedIndex: n, updatedIndex: n })
}

const page = (index: number, orders: OrderView[], next: string | null): OrdersResponse => ({
  address,
  index,
  orders,
  next,
})

describe('mergeOrderPages', () => {
  it('lists the orders of every page in order, each once, with the first index and the last next', () => {
    // Order 3 was updated between the two reads: it moved ahead of the cursor and shows twice.
    const merged = mergeOrderPages([
      page(40, [order(5), order(4), order(3)], 'o.3'),
      page(41, [order(3), order(2), order(1, 'filled')], 'c.1'),
    ])
    expect(merged.orders.map((item) => item.placedIndex)).toEqual([5, 4, 3, 2, 1])
    expect(merged).toMatchObject({ address, index: 40, next: 'c.1' })
  })

  it('is the page itself when there is one, and refuses none', () => {
    const only = page(7, [order(1)], null)
    expect(mergeOrderPages([only])).toEqual(only)
    expect(() => mergeOrderPages([])).toThrow(/no page/)
  })
})
