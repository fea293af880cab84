import type { z } from 'zod'
import {
  errorResponseSchema,
  networkResponseSchema,
  orderbookResponseSchema,
  ordersPageMax,
  ordersResponseSchema,
  statusResponseSchema,
  submitIntentResponseSchema,
  tradesResponseSchema,
  txResponseSchema,
  type SubmitIntentRequest,
} from '../../../shared/api/index.ts'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import type { ReplicaRootAnswer } from '../../../shared/attest/judgeRootAnswers.ts'
import { BaseError } from '../../../shared/errors/index.ts'
import { walkOpenOrderPages, type ProofAnswer } from '../../../shared/exchange/index.ts'
// eslint-disable-next-line project/module-boundaries -- the SDK's capped reader alone, no BLS
import { readCappedText } from '../../../shared/zellular/cappedStream.ts'

/** Why a request to a replica (or the app server) failed. */
export type ReplicaErrorKind =
  /** The server answered with the JSON error shape (or another non-2xx). */
  | 'http'
  /** No answer: connection refused, reset, CORS, DNS. */
  | 'network'
  | 'timeout'
  /** A 2xx answer that does not match the contract. */
  | 'invalid_response'

/** A failed replica request; `code` is the API error code for `http` errors. */
export class ReplicaRequestError extends BaseError {
  override name = 'ReplicaRequestError' as const
  constructor(
    readonly kind: ReplicaErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

/**
 * Most bytes read of an answer, unless a request sets its own: well above the largest a replica
 * sends (a page of 100 orders with their fills and proofs is about 1.5 MB), and small enough
 * that a replica answering endlessly cannot fill the tab's memory.
 */
export const answerBytesMax = 8 * 1024 * 1024

/** The cap of answers of a few fields (`/status`, `/tx/:id`), polled every second or two. */
const smallAnswerBytesMax = 64 * 1024

export interface RequestOptions {
  readonly method?: 'GET' | 'POST'
  readonly body?: unknown
  readonly signal?: AbortSignal | undefined
  /** Give up after this long; default 4 s. */
  readonly timeoutMs?: number
  /** Read at most this many bytes of the answer; default `answerBytesMax`. */
  readonly maxBytes?: number
}

/**
 * Fetches JSON and parses it with `schema`. Every failure becomes a `ReplicaRequestError`, with
 * the replica's stable error code when it sent one.
 */
export async function requestJson<schema extends z.ZodType>(
  url: string,
  schema: schema,
  options: RequestOptions = {},
): Promise<z.infer<schema>> {
  const body = await requestRaw(url, options)
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    throw new ReplicaRequestError('invalid_response', `Unexpected answer from ${url}`)
  }
  return parsed.data
}

/** Like `requestJson` without a schema: the parsed JSON of a 2xx answer. */
async function requestRaw(url: string, options: RequestOptions = {}): Promise<unknown> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 4000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let response: Response
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      signal,
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
    })
  } catch (error) {
    if (options.signal?.aborted) throw error
    if (timeout.aborted) throw new ReplicaRequestError('timeout', `No answer from ${url} in time`)
    throw new ReplicaRequestError('network', `Cannot reach ${new URL(url, location.href).host}`)
  }
  const maxBytes = options.maxBytes ?? answerBytesMax
  const text = await readCapped(response, maxBytes).catch((error: unknown) => {
    if (error instanceof AnswerTooLargeError) {
      const message = `Answer from ${url} exceeds ${maxBytes} bytes`
      throw response.ok
        ? new ReplicaRequestError('invalid_response', message)
        : new ReplicaRequestError('http', message, response.status)
    }
    if (options.signal?.aborted) throw error
    if (timeout.aborted) throw new ReplicaRequestError('timeout', `No answer from ${url} in time`)
    return undefined
  })
  const json = text === undefined ? undefined : parseJson(text)
  if (!response.ok) {
    const parsed = errorResponseSchema.safeParse(json)
    if (parsed.success) {
      const { code, message, field } = parsed.data.error
      throw new ReplicaRequestError('http', message, response.status, code, field)
    }
    throw new ReplicaRequestError('http', `HTTP ${response.status}`, response.status)
  }
  return json
}

/** An answer longer than the bytes a request reads (`readCapped`); becomes a request error. */
class AnswerTooLargeError extends BaseError {
  override name = 'AnswerTooLargeError' as const
  constructor(maxBytes: number) {
    super(`answer exceeds ${maxBytes} bytes`)
  }
}

/**
 * The body of `response` as text, read chunk by chunk: at most `maxBytes`, past which reading
 * stops and the connection is let go (`AnswerTooLargeError`), so an endless or huge answer
 * costs no more memory than that.
 */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new AnswerTooLargeError(maxBytes)
  }
  const read = await readCappedText(response.body, maxBytes)
  if ('tooLarge' in read) throw new AnswerTooLargeError(maxBytes)
  return read.text
}

/** `text` parsed as JSON; undefined when it is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** A replica as listed in the registry. */
export interface ReplicaRef {
  readonly id: string
  readonly url: string
}

function endpoint(
  replica: ReplicaRef,
  path: string,
  query: Record<string, string | number | undefined> = {},
): string {
  const url = new URL(path, replica.url.endsWith('/') ? replica.url : `${replica.url}/`)
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value))
  }
  return url.toString()
}

/** The submit route of each intent action. */
function submitRoute(action: SubmitIntentRequest['action']): string {
  switch (action) {
    case 'transfer':
      return 'transfer'
    case 'mint':
      return 'mint'
    case 'order':
      return 'order'
    case 'cancel':
    case 'cancelAll':
      return 'cancel'
  }
}

/** Typed calls to one replica's HTTP API (`shared/api`). */
export const replicaApi = {
  status: (replica: ReplicaRef, signal?: AbortSignal) =>
    requestJson(endpoint(replica, 'status'), statusResponseSchema, {
      signal,
      timeoutMs: 2500,
      maxBytes: smallAnswerBytesMax,
    }),
  network: (replica: ReplicaRef, signal?: AbortSignal) =>
    requestJson(endpoint(replica, 'network'), networkResponseSchema, { signal, timeoutMs: 4000 }),
  orderbook: (replica: ReplicaRef, market: string, depth: number, signal?: AbortSignal) =>
    requestJson(endpoint(replica, 'orderbook', { market, depth }), orderbookResponseSchema, {
      signal,
    }),
  /** One page of an address's orders (open ones first); pass the previous page's `next`. */
  orders: (
    replica: ReplicaRef,
    query: { address: string; market?: string; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ) => requestJson(endpoint(replica, 'orders', { ...query }), ordersResponseSchema, { signal }),
  /** One page of a market's trades, newest first; pass the previous page's `next`. */
  trades: (
    replica: ReplicaRef,
    query: { market: string; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ) => requestJson(endpoint(replica, 'trades', { ...query }), tradesResponseSchema, { signal }),
  tx: (replica: ReplicaRef, intentId: string, signal?: AbortSignal) =>
    requestJson(endpoint(replica, `tx/${intentId}`), txResponseSchema, {
      signal,
      timeoutMs: 2500,
      maxBytes: smallAnswerBytesMax,
    }),
  submit: (replica: ReplicaRef, intent: SubmitIntentRequest, signal?: AbortSignal) =>
    requestJson(endpoint(replica, submitRoute(intent.action)), submitIntentResponseSchema, {
      method: 'POST',
      body: intent,
      signal,
      timeoutMs: 8000,
    }),
  eventsUrl: (replica: ReplicaRef, address?: string) => endpoint(replica, 'events', { address }),

  /**
   * `GET /root?index`, classified for `judgeRootAnswers`: the raw body (checked there, not
   * here), `behind` for 404 `root_not_kept`, or `unreachable` for anything else.
   */
  async rootAnswer(
    replica: ReplicaRef,
    index: number,
    signal?: AbortSignal,
  ): Promise<ReplicaRootAnswer> {
    try {
      const body = await requestRaw(endpoint(replica, 'root', { index }), {
        signal,
        timeoutMs: 2500,
      })
      return { replicaId: replica.id, kind: 'answer', body }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      if (error instanceof ReplicaRequestError && error.code === 'root_not_kept') {
        return { replicaId: replica.id, kind: 'behind', message: `no root of index ${index}` }
      }
      return { replicaId: replica.id, kind: 'unreachable', message }
    }
  },

  /**
   * `GET /balances?address&proof=1` (every balance at the replica's latest state hash), for
   * `splitBalanceProofs` of `shared/exchange`: the raw body, or `unavailable` with the reason.
   */
  provenBalancesAnswer: (replica: ReplicaRef, address: string, signal?: AbortSignal) =>
    proofAnswer(replica, endpoint(replica, 'balances', { address, proof: 1 }), signal),

  /**
   * The pages of `GET /orders?address&proof=1` that list `address`'s open orders (open ones come
   * first), at most `provenOrderPagesMax`, each for `splitOrderProofs` like a balance answer;
   * `truncated` when more open orders may follow the last page read.
   */
  async provenOrderPages(
    replica: ReplicaRef,
    address: string,
    signal?: AbortSignal,
  ): Promise<{ pages: ProofAnswer[]; truncated: boolean }> {
    return walkOpenOrderPages((cursor) => {
      const query = { address, limit: ordersPageMax, proof: 1, cursor }
      return proofAnswer(replica, endpoint(replica, 'orders', query), signal)
    })
  },
}

/** A proof route's raw body, or `unavailable` with the reason. */
async function proofAnswer(
  replica: ReplicaRef,
  url: string,
  signal: AbortSignal | undefined,
): Promise<ProofAnswer> {
  try {
    const body = await requestRaw(url, { signal, timeoutMs: 2500 })
    return { replicaId: replica.id, kind: 'answer', body }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { replicaId: replica.id, kind: 'unavailable', message }
  }
}
