import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../apiError.ts'
import type { Divergence } from '../divergenceWatch.ts'

/** Whether the replica is diverged: its own `DivergenceWatch`, or an API process's applier's. */
export interface DivergenceSource {
  readonly diverged: Divergence | undefined
}

/** What a diverged replica still answers: its own condition and the registry it follows. */
const openPaths = new Set(['/status', '/network', '/markets'])

/**
 * 503 `replica_diverged` for every read and submission while a quorum of its peers signed
 * another root than this replica's (`DivergenceWatch`): its state is one nobody else has, and
 * state sync closes and replaces its database meanwhile, so an answer would be either of a state
 * that never existed or a 500. `/status` says why, and the debug routes stay open. An API
 * process refuses the same while its applier is diverged (`ApplierDivergence`).
 */
export function whileDiverged(divergence: DivergenceSource): MiddlewareHandler {
  return async function refuseWhileDiverged(c, next) {
    if (openPaths.has(c.req.path) || c.req.path.startsWith('/debug/')) return next()
    requireNotDiverged(divergence)
    return next()
  }
}

/**
 * Throws 503 `replica_diverged` while `divergence` says so; a route that signs calls it again
 * right before signing, so nothing is signed once the divergence is known.
 */
export function requireNotDiverged(divergence: DivergenceSource): void {
  const diverged = divergence.diverged
  if (diverged === undefined) return
  throw new ApiError(
    'replica_diverged',
    `this replica's state differs from the root a quorum signed at ${diverged.index}; it ` +
      'answers nothing of it until the state is replaced; ask another replica',
  )
}
