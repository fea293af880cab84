import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ApiError } from '../apiError.ts'
import { ReplicaHaltedError } from '../replicaState.ts'
import { SigningBudgetSpentError } from '../signingBudget.ts'
import { RateLimitedError } from './rateLimit.ts'

/**
 * The one error handler: an `ApiError` becomes its JSON body and status (with `Retry-After` for
 * a `RateLimitedError` or a `SigningBudgetSpentError`); Hono's own `HTTPException`s (e.g. a
 * malformed body) keep their status with a generic code; anything else is a 500
 * `internal_error` whose details go to the log only.
 */
export function errorHandler(log: (line: string) => void): ErrorHandler {
  return function handleError(error: Error, c: Context) {
    if (error instanceof RateLimitedError) return error.toResponse(c)
    if (error instanceof SigningBudgetSpentError) return error.toResponse(c)
    if (error instanceof ApiError) return c.json(error.toBody(), error.status)
    if (error instanceof ReplicaHaltedError) {
      const halted = new ApiError(
        'replica_halted',
        'this replica stopped answering from memory after a failed commit and is restarting; ask another replica',
      )
      return c.json(halted.toBody(), halted.status)
    }
    if (error instanceof HTTPException) {
      const code = error.status === 413 ? 'body_too_large' : 'invalid_request'
      const body = { error: { code, message: error.message || code.replaceAll('_', ' ') } }
      return c.json(body, error.status === 413 ? 413 : 400)
    }
    log(`ERROR ${c.req.method} ${c.req.path}: ${error.stack ?? String(error)}`)
    return c.json({ error: { code: 'internal_error', message: 'internal error' } }, 500)
  }
}

/** 404 `not_found` for every unknown route. */
export const notFoundHandler: NotFoundHandler = function handleNotFound(c) {
  return c.json(
    { error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } },
    404,
  )
}
