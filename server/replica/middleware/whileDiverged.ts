import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../apiError.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'

/** What a diverged replica still answers: its own condition and the registry it follows. */
const openPaths = new Set(['/status', '/network', '/markets'])

/**
 * 503 `replica_diverged` for every read and submission while a quorum of its peers signed
 * another root than this replica's (`DivergenceWatch`): its state is one nobody else has, and
 * state sync closes and replaces its database meanwhile, so an answer would be either of a state
 * that never existed or a 500. `/status` says why, and the debug routes stay open.
 */
export function whileDiverged(divergence: ReplicaDeps['divergence']): MiddlewareHandler {
  return async function refuseWhileDiverged(c, next) {
    const diverged = divergence.diverged
    if (diverged === undefined || openPaths.has(c.req.path) || c.req.path.startsWith('/debug/')) {
      return next()
    }
    throw new ApiError(
      'replica_diverged',
      `this replica's state differs from the root a quorum signed at ${diverged.index} and is ` +
        'being replaced by state sync; ask another replica',
    )
  }
}
