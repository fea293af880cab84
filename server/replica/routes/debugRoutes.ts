import { Hono } from 'hono'
import { ApiError } from '../apiError.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'

/** Most batches in one stages answer. */
const STAGES_PAGE_MAX = 2_000

/**
 * `GET /debug/stages?after=N`: the replica's part of the latency waterfall for the batches it
 * applied after index N, at most 2,000 (read on from the last index): `{ batches: [{ index,
 * read, applied, eventSent, intents: [[intentId, received, batched] | [intentId]] }] }`, the
 * received and batched stamps only for intents this replica took. Stamps are `stageNow`
 * milliseconds, comparable only between processes of one machine (`IntentStages`).
 * The process-wide reads (pairing checks, requests) are `processDebugRoutes`, as on nodes.
 */
export function debugRoutes(deps: ReplicaDeps) {
  return new Hono().get('/debug/stages', (c) => {
    const raw = c.req.query('after') ?? '0'
    if (!/^\d{1,15}$/.test(raw)) {
      throw new ApiError('invalid_request', 'after is an integer ≥ 0', 'after')
    }
    return c.json({ batches: deps.stages.page(Number(raw), STAGES_PAGE_MAX) })
  })
}
