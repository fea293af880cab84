import { z } from 'zod'
import {
  baseUnitsSchema,
  batchTimeSchema,
  canonicalAddressSchema,
  hash32Schema,
  intentActionSchema,
  reasonCodeSchema,
} from './intents.ts'
import { orderSideSchema, orderStatusSchema, tradeSchema } from './market.ts'

/*
 * `GET /events[?address=0x…][&types=book,trade]`: one multiplexed Server-Sent Events stream per
 * client. Each event has an SSE `event:` name (below), an `id:` that increases along the stream,
 * and JSON `data:`. All events of a batch are sent after the batch is committed, in this order:
 * `receipt`s (in batch order), `order`s, `trade`s, `book` deltas, `balance`s, then one
 * `applied`. With `address`, `receipt`, `order` and `balance` events are limited to those about
 * that address; `applied`, `book` and `trade` always flow. With `types`, only the named events
 * come (after `hello`). Every stream also gets a `heartbeat` every `intervalMs` (2 s), whatever
 * `types` asked for: a client that hears nothing for a few intervals knows the stream is dead
 * even when no batch is being applied and no error arrives (a hung replica, a half-open
 * connection), and moves to another replica.
 *
 * Limits: a replica holds a bounded number of streams, and a client (IP address) a few of them
 * (more: 429 `rate_limited`). When all are taken, a client holding fewer than the address that
 * holds the most takes the place of that address's oldest stream, which gets `reset`
 * (`too_many_streams`) and is closed; anyone else gets 503 `too_many_subscribers` and
 * `Retry-After`. A stream whose client falls more events behind than its queue holds gets `reset`
 * and is closed.
 */

/** First event of every stream: where the replica stands, and each market's book `seq`. */
export const helloEventSchema = z.object({
  replicaId: z.string(),
  appliedIndex: z.number().int().nonnegative(),
  books: z.array(z.object({ market: z.string(), seq: z.number().int().nonnegative() })),
})

/** A batch was applied and committed. */
export const appliedEventSchema = z.object({
  index: z.number().int().positive(),
  chainingHash: z.string(),
  /** The batch's deterministic time (`batchTimeSchema`). */
  time: batchTimeSchema,
  /**
   * Canonical state hash after the batch (as `GET /status` reports). Hashing is linear in the
   * state, so a replica includes it at most about once per second, and only on the last batch
   * of a group committed together.
   */
  stateHash: hash32Schema.optional(),
})

/** The outcome of one intent of the batch (replays of an applied (signer, nonce) send none). */
export const receiptEventSchema = z.object({
  intentId: hash32Schema,
  action: intentActionSchema,
  status: z.enum(['applied', 'rejected']),
  reason: reasonCodeSchema.optional(),
  index: z.number().int().positive(),
  /** The batch's deterministic time (`batchTimeSchema`). */
  time: batchTimeSchema,
  signer: canonicalAddressSchema,
})

/** The new balance of an (address, token) the batch changed. */
export const balanceEventSchema = z.object({
  address: canonicalAddressSchema,
  token: z.string(),
  available: baseUnitsSchema,
  locked: baseUnitsSchema,
  index: z.number().int().positive(),
})

/**
 * A price level's new total. `seq` increases by exactly one per delta of a market: a client
 * that sees `seq` jump has missed a delta and refetches `GET /orderbook`.
 */
export const bookEventSchema = z.object({
  market: z.string(),
  seq: z.number().int().positive(),
  side: orderSideSchema,
  price: baseUnitsSchema,
  /** New total quantity at the level, base base units; "0" removes the level. */
  quantity: baseUnitsSchema,
  index: z.number().int().positive(),
})

/** A trade (same shape as `GET /trades` items). */
export const tradeEventSchema = tradeSchema

/** An order changed (placed, filled partly or fully, cancelled, rejected). */
export const orderEventSchema = z.object({
  orderId: hash32Schema,
  market: z.string(),
  owner: canonicalAddressSchema,
  side: orderSideSchema,
  price: baseUnitsSchema,
  quantity: baseUnitsSchema,
  status: orderStatusSchema,
  filled: baseUnitsSchema,
  remaining: baseUnitsSchema,
  reason: reasonCodeSchema.optional(),
  index: z.number().int().positive(),
  /** The batch's deterministic time (`batchTimeSchema`). */
  time: batchTimeSchema,
})

/**
 * The replica gave up on this stream and closes it: the client fell further behind than the
 * stream's queue holds (`slow_consumer`); or the API process serving it found a gap in its own
 * feed of events from the replica's applier, or the stream asked to resume (`Last-Event-ID`)
 * after an event the replica no longer holds or never gave (`events_lost`); or the replica held
 * all the streams it may, this client's address the most of them, and gave this one's place to
 * a client with fewer (`too_many_streams`). Events may be lost: reconnect afresh (without
 * `Last-Event-ID`, which would ask for the same backlog again) and refetch every snapshot, or
 * go to another replica if this one refuses. Sent whatever `types` asked for.
 */
export const resetEventSchema = z.object({
  reason: z.enum(['slow_consumer', 'events_lost', 'too_many_streams']),
})

/**
 * Sent on every stream every `intervalMs`, without an `id` (it is no event to resume from). Its
 * only meaning is "this stream is alive"; the client's silence timer is a few `intervalMs`.
 */
export const heartbeatEventSchema = z.object({ intervalMs: z.number().int().positive() })

/** Data schema of each SSE event name. */
export const sseEventSchemas = {
  hello: helloEventSchema,
  reset: resetEventSchema,
  heartbeat: heartbeatEventSchema,
  applied: appliedEventSchema,
  receipt: receiptEventSchema,
  balance: balanceEventSchema,
  book: bookEventSchema,
  trade: tradeEventSchema,
  order: orderEventSchema,
} as const

/** The SSE event names. */
export type SseEventName = keyof typeof sseEventSchemas

/** One SSE event as a discriminated union: `{ event: 'book', data: {...} }`. */
export type SseEvent = {
  [name in SseEventName]: { event: name; data: z.infer<(typeof sseEventSchemas)[name]> }
}[SseEventName]

export type HelloEvent = z.infer<typeof helloEventSchema>
export type ResetEvent = z.infer<typeof resetEventSchema>
export type HeartbeatEvent = z.infer<typeof heartbeatEventSchema>
export type AppliedEvent = z.infer<typeof appliedEventSchema>
export type ReceiptEvent = z.infer<typeof receiptEventSchema>
export type BalanceEvent = z.infer<typeof balanceEventSchema>
export type BookEvent = z.infer<typeof bookEventSchema>
export type TradeEvent = z.infer<typeof tradeEventSchema>
export type OrderUpdateEvent = z.infer<typeof orderEventSchema>

/**
 * Parses one received SSE message (`event` name and `data` text) into a typed event, or
 * undefined for an unknown name or data that does not match its schema. Never throws.
 */
export function parseSseEvent(event: string, data: string): SseEvent | undefined {
  if (!Object.hasOwn(sseEventSchemas, event)) return undefined
  const name = event as SseEventName
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch {
    return undefined
  }
  const parsed = sseEventSchemas[name].safeParse(json)
  return parsed.success ? ({ event: name, data: parsed.data } as SseEvent) : undefined
}
