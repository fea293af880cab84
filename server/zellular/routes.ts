import { Hono } from 'hono'
import { processDebugRoutes } from '../processDebugRoutes.ts'
import { RequestCounts } from '../requestCounts.ts'
import { registerDebugRoutes } from './debugRoutes.ts'
import { ValidationHttpError, ZsequencerHttpError } from './httpErrors.ts'
import { registerPeerRoutes } from './peerRoutes.ts'
import { registerReadRoutes } from './readRoutes.ts'
import { RouteGuards, type NodeEnv, type RouteDeps } from './routeGuards.ts'
import { registerSubmitRoutes } from './submitRoutes.ts'

/**
 * The HTTP API of zsequencer v0.1.7 (§7 of the protocol notes): same paths, envelopes, status
 * codes and error codes. Guards run in zsequencer's order, before body validation. The routes
 * come in three groups: client submissions (`submitRoutes.ts`), reads (`readRoutes.ts`) and
 * node-to-node calls (`peerRoutes.ts`); our own observability reads, outside zsequencer's paths,
 * in `debugRoutes.ts`.
 */
export function createNodeApp(node: RouteDeps): Hono<NodeEnv> {
  const app = new Hono<NodeEnv>()
  const guards = new RouteGuards(node)
  const requests = new RequestCounts()
  app.use(requests.middleware)
  const { pageDelayMs } = node.context.hooks
  if (pageDelayMs > 0) {
    // A test adversary's slow pages (`faults.ts`); an honest node never registers this.
    app.get('/node/:app/batches/:state', async (_c, next) => {
      await new Promise((resolve) => setTimeout(resolve, pageDelayMs))
      await next()
    })
  }

  app.onError((error, c) => {
    if (error instanceof ZsequencerHttpError || error instanceof ValidationHttpError) {
      // 429 and 503 say "later": tell clients when, so they back off instead of hammering.
      if (error.status === 429 || error.status === 503) c.header('Retry-After', '1')
      return c.json(error.toJSON(), error.status as 400)
    }
    node.context.log.error(`${c.req.method} ${c.req.path}: ${error.stack ?? error}`)
    return c.text('Internal Server Error', 500)
  })
  app.get('/', (c) => c.redirect('/node/state', 307))
  registerSubmitRoutes(app, node, guards)
  registerReadRoutes(app, node, guards)
  registerPeerRoutes(app, node, guards)
  registerDebugRoutes(app, node)
  app.route('/', processDebugRoutes(requests))
  return app
}
