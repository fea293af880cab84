import type { Context, MiddlewareHandler } from 'hono'
import { clientAddress } from '../../http/clientKey.ts'
import type { SignatureBudget } from '../balanceSigner.ts'
import { SigningBudgetSpentError, type SigningBudget } from '../signingBudget.ts'
import { RateLimitedError, type RateLimiter } from './rateLimit.ts'

/** The budget of each request the signed-read limit let through, until the request is gone. */
const budgets = new WeakMap<Context, SignatureBudget>()

/**
 * The signed-read limit, with `limiter` (undefined: no limit per client) and `signing`, the
 * replica-wide budget of new signatures. Each request takes one unit of its client's allowance
 * before the route runs (over it: 429 `rate_limited`), and its route gets a `SignatureBudget`
 * (`signatureBudget(c)`) that counts each new BLS signature as one unit, the first of them paid
 * by that request's unit: a read costs the larger of one and the signatures it makes. So the
 * allowance bounds the signatures a client makes, and a read the signature cache answers costs
 * one unit whatever it shows. Every new signature is also taken from `signing`, after the
 * client's allowance (over it: 503 `overloaded`), so all clients together make no more than it
 * holds; without `limiter` (an applier, whose clients are its API processes) from the whole of
 * it, with no share per client.
 */
export function signedReadLimit(
  limiter: RateLimiter | undefined,
  signing: SigningBudget,
): MiddlewareHandler {
  return async function limitSignedReads(c, next) {
    if (limiter === undefined) {
      budgets.set(c, { spend: (signatures) => takeSignatures(signing, undefined, signatures) })
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
        const waitMs = signatures > covered ? limiter.take(client, signatures - covered) : 0
        if (waitMs > 0) {
          const message = `this read needs ${signatures} new signatures; this address has fewer left`
          throw new RateLimitedError(waitMs, message)
        }
        // After the client's allowance: a client past it cannot spend the replica-wide budget
        // on reads it is refused. The units of a read refused here stay spent.
        takeSignatures(signing, client, signatures)
      },
    })
    await next()
  }
}

/** Takes `signatures` from the replica-wide budget, or throws 503 `overloaded`. */
function takeSignatures(signing: SigningBudget, client: string | undefined, signatures: number) {
  const waitMs = signing.take(client, signatures)
  if (waitMs > 0) throw new SigningBudgetSpentError(waitMs, signatures)
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
