import type { OrdersResponse } from '../../../shared/api/index.ts'

/**
 * The pages of `GET /orders` read one after another as one answer: their orders in page order,
 * each once (an order updated between two reads moves ahead of the cursor and may show on two
 * pages), the first page's `index` (the oldest a page is of) and the last page's `next`.
 */
export function mergeOrderPages(pages: readonly OrdersResponse[]): OrdersResponse {
  const first = pages[0]
  if (first === undefined) throw new Error('no page of orders to merge')
  const seen = new Set<string>()
  const orders = pages
    .flatMap((page) => page.orders)
    .filter((order) => !seen.has(order.orderId) && seen.add(order.orderId))
  return { ...first, orders, next: pages.at(-1)!.next }
}
