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

  /** Takes a token for `key`: 0 if it had one, else the milliseconds until it will. */
  take(key: string): number {
    const { ratePerSecond, burst } = this.parameters
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
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond)
  }
}

/** The 429 answer of a refused request, in the one error shape, with `Retry-After` (seconds). */
function rateLimited(c: Context, waitMs: number, error: ApiError): Response {
  const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)))
  return c.json(error.toBody(), 429, { 'Retry-After': retryAfter })
}

/**
 * Limits requests per client IP address with `limiter`: over the limit, 429 `rate_limited` with
 * `Retry-After` before the route runs. One limiter shared by several routes gives a client one
 * allowance across them.
 */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler {
  return async function limitRate(c, next) {
    const waitMs = limiter.take(clientAddress(c))
    if (waitMs > 0) {
      const error = new ApiError('rate_limited', 'too many requests from this address; slow down')
      return rateLimited(c, waitMs, error)
    }
    await next()
  }
}
