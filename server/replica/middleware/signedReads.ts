import type { Context, MiddlewareHandler } from 'hono'
import { clientAddress } from '../../http/clientKey.ts'
import type { SignatureBudget } from '../balanceSigner.ts'
import { RateLimitedError, type RateLimiter } from './rateLimit.ts'

/** The budget of each request the signed-read limit let through, until the request is gone. */
const budgets = new WeakMap<Context, SignatureBudget>()

/** The budget of an app without limits (an applier behind its API processes). */
const unlimitedBudget: SignatureBudget = { spend: () => {} }

/**
 * The signed-read limit, with `limiter` (undefined: no limit). Each request takes one unit of
 * its client's allowance before the route runs (over it: 429 `rate_limited`), and its route
 * gets a `SignatureBudget` (`signatureBudget(c)`) that counts each new BLS signature as one
 * unit, the first of them paid by that request's unit: a read costs the larger of one and the
 * signatures it makes. So the allowance bounds the signatures a client makes, and a read the
 * signature cache answers costs one unit whatever it shows.
 */
export function signedReadLimit(limiter: RateLimiter | undefined): MiddlewareHandler {
  return async function limitSignedReads(c, next) {
    if (limiter === undefined) {
      budgets.set(c, unlimitedBudget)
      return next()
    }
    const client = clientAddress(c)
    const waitMs = limiter.take(client)
    if (waitMs > 0) return new RateLimitedError(waitMs).toResponse(c)
    let prepaid = 1
    budgets.set(c, {
      spend(signatures) {
        const covered = Math.min(prepaid, signatures)
        prepaid -= covered
        if (signatures === covered) return
        const waitMs = limiter.take(client, signatures - covered)
        if (waitMs > 0) {
          const message = `this read needs ${signatures} new signatures; this address has fewer left`
          throw new RateLimitedError(waitMs, message)
        }
      },
    })
    await next()
  }
}

/**
 * The signature budget of a request that went through `signedReadLimit`. A route that signs
 * without it is a bug (a read no limit counts), thrown as such.
 */
export function signatureBudget(c: Context): SignatureBudget {
  const budget = budgets.get(c)
  if (budget === undefined) throw new Error(`${c.req.path} signs without the signed-read limit`)
  return budget
}
