import { Hono } from 'hono'
import { processDebugRoutes } from '../processDebugRoutes.ts'
import { RequestCounts } from '../requestCounts.ts'
import { bodySizeLimit } from './middleware/bodySizeLimit.ts'
import { clientLimits } from './middleware/clientLimits.ts'
import { corsPolicy } from './middleware/corsPolicy.ts'
import { errorHandler, notFoundHandler } from './middleware/errorHandler.ts'
import { whileDiverged } from './middleware/whileDiverged.ts'
import { readBookSeqs } from './readQueries.ts'
import type { ReplicaDeps } from './replicaDeps.ts'
import { balanceRoutes } from './routes/balanceRoutes.ts'
import { debugRoutes } from './routes/debugRoutes.ts'
import { eventRoutes } from './routes/eventRoutes.ts'
import { marketRoutes } from './routes/marketRoutes.ts'
import { proofRoutes } from './routes/proofRoutes.ts'
import { statusRoutes } from './routes/statusRoutes.ts'
import { submitRoutes } from './routes/submitRoutes.ts'
import { txRoutes } from './routes/txRoutes.ts'

/**
 * The replica's HTTP API as a Hono app (no listening: `main.ts` serves it, tests call
 * `app.request`). CORS and the body-size limit apply to every route; every error answers the
 * one JSON shape of `shared/api`.
 */
export function createApp(deps: ReplicaDeps) {
  const requests = new RequestCounts()
  const limits = clientLimits(deps.options)
  return new Hono()
    .use(requests.middleware)
    .use(corsPolicy(deps.options.corsOrigins))
    .use(bodySizeLimit(deps.options.bodyLimitBytes))
    .use(whileDiverged(deps.divergence))
    .onError(errorHandler(deps.log))
    .notFound(notFoundHandler)
    .route('/', submitRoutes(deps, limits))
    .route('/', txRoutes(deps))
    .route('/', balanceRoutes(deps, limits))
    .route('/', statusRoutes(deps))
    .route('/', proofRoutes(deps, limits))
    .route('/', marketRoutes(deps, limits))
    .route(
      '/',
      eventRoutes({
        replicaId: deps.replicaId,
        hub: deps.hub,
        eventQueueMax: deps.options.eventQueueMax,
        streams: limits.eventStreams,
        streamStart: () => readBookSeqs(deps.state),
      }),
    )
    .route('/', debugRoutes(deps))
    .route('/', processDebugRoutes(requests))
}

/** The app's type, for a typed client (`hc<ReplicaApp>` of `hono/client`); import it as a type. */
export type ReplicaApp = ReturnType<typeof createApp>
