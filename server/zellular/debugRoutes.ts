import type { Hono } from 'hono'
import { ValidationHttpError } from './httpErrors.ts'
import type { NodeEnv, RouteDeps } from './routeGuards.ts'

/** Most batches in one stages answer. */
const STAGES_PAGE_MAX = 2_000

/**
 * Observability reads of our node, outside zsequencer's `/node` and `/sequencer` paths so the
 * v0.1.7 API stays as it is.
 *
 * `GET /debug/{app}/stages?after=N`: when this node saw each batch after N reach each stage of
 * the latency waterfall, as `stageNow` milliseconds (a clock shared by the processes of one
 * machine, meaningless elsewhere): `{ batches: [[index, accepted, sequenced, locked,
 * finalized], …] }`, `null` for a stage not reached (or, for `accepted`, a batch another node
 * took). At most 2,000 batches; read on from the last index.
 * The process-wide reads (pairing checks, requests) are `processDebugRoutes`, as on replicas.
 */
export function registerDebugRoutes(app: Hono<NodeEnv>, node: RouteDeps) {
  app.get('/debug/:app/stages', (c) => {
    const raw = c.req.query('after') ?? '0'
    if (!/^\d{1,15}$/.test(raw)) {
      throw new ValidationHttpError(['query', 'after'], 'Input should be an integer ≥ 0', raw)
    }
    const rows = node.stages.page(c.req.param('app'), Number(raw), STAGES_PAGE_MAX)
    const batches = rows.map((row) => [
      row.index,
      row.accepted ?? null,
      row.sequenced,
      row.locked ?? null,
      row.finalized ?? null,
    ])
    return c.json({ batches })
  })
}
