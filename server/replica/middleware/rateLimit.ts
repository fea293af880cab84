import type { Context, MiddlewareHandler } from 'hono'
import { clientAddress } from '../../http/clientKey.ts'
import { ApiError } from '../apiError.ts'

/** Parameters of `RateLimiter`. */
export interface RateLimiterParameters {
  /** Requests each client may make per second, sustained. */
  readonly ratePerSecond: number
  /** Requests a client may make at once after a quiet spell (the bucket's size). */
  readonly burst: number
  /**
   * Most clients remembered (default 10,000). Beyond it the one seen longest ago is forgotten
   * and starts again with a full bucket: memory stays bounded, and a forgotten client had been
   * quiet longest.
   */
  readonly clientsMax?: number
  /** Milliseconds; injected for tests. */
  readonly now?: () => number
}

interface Bucket {
  tokens: number
  atMs: number
}

/**
 * A token bucket per client key: each request takes a token, tokens come back at
 * `ratePerSecond` up to `burst`. O(1) per request; the least recently seen clients are
 * forgotten first (a `Map` kept in recency order).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly clientsMax: number
  private readonly now: () => number

  constructor(private readonly parameters: RateLimiterParameters) {
    if (!(parameters.ratePerSecond > 0) || !(parameters.burst >= 1)) {
      throw new RangeError('a rate limit needs ratePerSecond > 0 and burst ≥ 1')
    }
    this.clientsMax = parameters.clientsMax ?? 10_000
    this.now = parameters.now ?? (() => Date.now())
  }

  /**
   * Takes `cost` tokens for `key`, all or none: 0 if it had them, else the milliseconds until it
   * will. A cost above `burst` takes a full bucket, so that it can ever pass.
   */
  take(key: string, cost = 1): number {
    const { ratePerSecond, burst } = this.parameters
    const needed = Math.min(cost, burst)
    const nowMs = this.now()
    const bucket = this.buckets.get(key) ?? { tokens: burst, atMs: nowMs }
    this.buckets.delete(key)
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.clientsMax) {
      this.buckets.delete(this.buckets.keys().next().value as string)
    }
    const elapsedMs = Math.max(0, nowMs - bucket.atMs)
    bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * ratePerSecond) / 1000)
    bucket.atMs = nowMs
    if (bucket.tokens >= needed) {
      bucket.tokens -= needed
      return 0
    }
    return Math.ceil(((needed - bucket.tokens) * 1000) / ratePerSecond)
  }
}

/**
 * 429 `rate_limited`: a client went past its allowance. Thrown from within a route (a signed
 * read that would make more signatures than its client has left); the error handler adds
 * `Retry-After`.
 */
export class RateLimitedError extends ApiError {
  /** Seconds until the client's allowance covers the request, for `Retry-After` (at least 1). */
  readonly retryAfterSeconds: number

  constructor(waitMs: number, message = 'too many requests from this address; slow down') {
    super('rate_limited', message)
    this.retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000))
  }

  /** The 429 answer, in the one error shape, with `Retry-After`. */
  toResponse(c: Context): Response {
    return c.json(this.toBody(), 429, { 'Retry-After': String(this.retryAfterSeconds) })
  }
}

/**
 * Limits requests per client IP address with `limiter`: over the limit, 429 `rate_limited` with
 * `Retry-After` before the route runs. One limiter shared by several routes gives a client one
 * allowance across them.
 */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler {
  return async function limitRate(c, next) {
    const waitMs = limiter.take(clientAddress(c))
    if (waitMs > 0) return new RateLimitedError(waitMs).toResponse(c)
    await next()
  }
}
