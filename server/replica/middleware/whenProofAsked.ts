import type { MiddlewareHandler } from 'hono'

/**
 * Runs `middleware` only for requests that ask for state proofs (`proof` in the query): a route
 * such as `GET /orders` whose plain answer is cheap, but whose proven one hashes a bucket per
 * value, is limited like the signed reads only in that form.
 */
export function whenProofAsked(middleware: MiddlewareHandler): MiddlewareHandler {
  return async function limitProofs(c, next) {
    if (c.req.query('proof') === undefined) return next()
    return middleware(c, next)
  }
}
