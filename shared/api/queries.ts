import { z } from 'zod'

/*
 * Query parameters of the GET routes. Addresses may be sent in any case (checksummed or not);
 * answers always use the canonical lower-case form. Numbers arrive as decimal strings.
 */

const addressParam = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'invalid_address')
const tokenParam = z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, 'invalid_token')
const marketParam = z.string().regex(/^[A-Z][A-Z0-9]{0,11}\/[A-Z][A-Z0-9]{0,11}$/, 'invalid_market')
const indexParam = z
  .string()
  .regex(/^(?:0|[1-9][0-9]{0,15})$/, 'invalid_index')
  .transform(Number)
  .refine(Number.isSafeInteger, 'invalid_index')

const countParam = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,5}$/, 'invalid_count')
    .transform(Number)
    .refine((value) => value <= max, 'invalid_count')
    .optional()
    .transform((value) => value ?? fallback)

/** `GET /balance` and `GET /aggregate_balance`; `index` defaults to the applied index. */
export const balanceQuerySchema = z.object({
  address: addressParam,
  token: tokenParam,
  index: indexParam.optional(),
})

/** `GET /balances`. */
export const balancesQuerySchema = z.object({ address: addressParam, index: indexParam.optional() })

/** `GET /orderbook`: `depth` levels per side, 1..500, default 50. */
export const orderbookQuerySchema = z.object({ market: marketParam, depth: countParam(500, 50) })

/** `GET /orders`: `limit` closed orders at most (open ones are always listed), default 50. */
export const ordersQuerySchema = z.object({
  address: addressParam,
  market: marketParam.optional(),
  limit: countParam(500, 50),
})

/** `GET /trades`: `limit` most recent trades, 1..500, default 50. */
export const tradesQuerySchema = z.object({ market: marketParam, limit: countParam(500, 50) })

const eventNames = ['applied', 'receipt', 'balance', 'book', 'trade', 'order'] as const

/**
 * `GET /events`: optional `address` filter for `receipt`, `order` and `balance` events, and
 * optional `types`, a comma-separated list of event names to receive (default all; `hello`
 * always comes first).
 */
export const eventsQuerySchema = z.object({
  address: addressParam.optional(),
  types: z
    .string()
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(eventNames, 'invalid_request')).min(1))
    .optional(),
})

export type BalanceQuery = z.infer<typeof balanceQuerySchema>
export type BalancesQuery = z.infer<typeof balancesQuerySchema>
export type OrderbookQuery = z.infer<typeof orderbookQuerySchema>
export type OrdersQuery = z.infer<typeof ordersQuerySchema>
export type TradesQuery = z.infer<typeof tradesQuerySchema>
export type EventsQuery = z.infer<typeof eventsQuerySchema>
