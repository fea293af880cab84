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

/** `GET /root`: the root attestation at `index`, or the latest without it. */
export const rootQuerySchema = z.object({ index: indexParam.optional() })

/** `proof=1`: the answer carries state proofs at the replica's latest state hash. */
const proofParam = z
  .literal('1', 'invalid_request')
  .optional()
  .transform((value) => value !== undefined)

/** `GET /order/:id`: with `proof=1`, the order's state proof at the latest state hash. */
export const orderQuerySchema = z.object({ proof: proofParam })

/**
 * `GET /balances`: signed balances at `index` (default: the applied index), or with `proof=1`
 * every balance with its state proof at the latest state hash (then without `index`).
 */
export const balancesQuerySchema = z
  .object({ address: addressParam, index: indexParam.optional(), proof: proofParam })
  .refine((query) => !query.proof || query.index === undefined, {
    message: 'invalid_request',
    path: ['index'],
  })

/** `GET /orderbook`: `depth` levels per side, 1..500, default 50. */
export const orderbookQuerySchema = z.object({ market: marketParam, depth: countParam(500, 50) })

/** Most orders in one `GET /orders` page. */
export const ordersPageMax = 100

/** Most trades in one `GET /trades` page. */
export const tradesPageMax = 500

/**
 * `GET /orders`: a page of at most `limit` orders (1..100, default 50), open ones first; `cursor`
 * is the `next` of the previous page, opaque to clients. With `proof=1` the page carries the
 * state proofs of its open orders at the replica's latest state hash.
 */
export const ordersQuerySchema = z.object({
  address: addressParam,
  market: marketParam.optional(),
  limit: countParam(ordersPageMax, 50),
  cursor: z
    .string()
    .regex(/^[oc]\.(?:0|[1-9][0-9]{0,15})\.0x[0-9a-f]{64}$/)
    .optional(),
  proof: proofParam,
})

/**
 * `GET /trades`: a page of at most `limit` trades (1..500, default 50), newest first; `cursor` is
 * the `next` of the previous page.
 */
export const tradesQuerySchema = z.object({
  market: marketParam,
  limit: countParam(tradesPageMax, 50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/)
    .optional(),
})

const eventNames = ['applied', 'receipt', 'balance', 'book', 'trade', 'order'] as const

/**
 * `GET /events`: optional `address` filter for `receipt`, `order` and `balance` events, and
 * optional `types`, a comma-separated list of event names to receive (default all; `hello`
 * always comes first, and `reset` always comes when the replica drops the stream).
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
