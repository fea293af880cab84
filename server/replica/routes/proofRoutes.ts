import { Hono } from 'hono'
import { rootQuerySchema } from '../../../shared/api/index.ts'
import { rejection } from '../apiError.ts'
import { requireIntactState } from '../balanceAt.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { parseQuery } from './requestParsing.ts'

/**
 * `GET /root[?index]`: this replica's signed root attestation at `index` (or of its latest
 * state hash), `docs/state-commitment.md`. A client checks the state proofs of
 * `GET /balances?proof=1` and `GET /orders?proof=1` against the state hash a quorum of
 * replicas' `/root?index` attestations signed.
 */
export function proofRoutes(deps: ReplicaDeps) {
  return new Hono().get('/root', async (c) => {
    requireIntactState(deps)
    const { index } = parseQuery(c, rootQuerySchema)
    await deps.state.settled()
    // The latest hash, computed now if one is due: each hash is signed as it is made.
    const latest = deps.stateHash()
    const signed = deps.roots.at(index ?? latest.index)
    if (signed === undefined) {
      const detail = `latest is at ${latest.index}; only recent ones are kept`
      throw rejection('root_not_kept', 'index', detail)
    }
    return c.json(signed)
  })
}
