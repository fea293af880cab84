import { Hono } from 'hono'
import { rootQuerySchema } from '../../../shared/api/index.ts'
import { ApiError, rejection } from '../apiError.ts'
import { requireIntactState } from '../balanceAt.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import type { ClientLimits } from '../middleware/clientLimits.ts'
import { RootCertifier } from '../rootCertifier.ts'
import { parseQuery } from './requestParsing.ts'

/**
 * `GET /root[?index]`: this replica's signed root attestation at `index` (or of its latest
 * state hash), `docs/state-commitment.md`. A client checks the state proofs of
 * `GET /balances?proof=1` and `GET /orders?proof=1` against the state hash a quorum of
 * replicas' `/root?index` attestations signed.
 *
 * `GET /root_certificate[?index]`: the root a quorum signed at `index` (or at this replica's
 * latest state hash) as one certificate (`RootCertifier`): the statement, the signers and their
 * signatures added up, which a client checks with its registry alone.
 *
 * `GET /snapshot`: the whole consensus state at the index of a state hash (`StateSnapshots`),
 * which a new replica checks against a quorum's `/root?index` before it installs it (state sync).
 */
export function proofRoutes(deps: ReplicaDeps, limits: ClientLimits) {
  const certifier = new RootCertifier(deps)
  // A root certificate not kept yet costs a request to every peer: it counts as a signed read.
  return new Hono()
    .get('/root', async (c) => {
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
    .get('/root_certificate', limits.signedRead, async (c) => {
      requireIntactState(deps)
      const { index } = parseQuery(c, rootQuerySchema)
      await deps.state.settled()
      // This replica's own attestation is among them: its hash is made now if one is due.
      const latest = deps.stateHash()
      return c.json(await certifier.certificate(index ?? latest.index))
    })
    .get('/snapshot', limits.snapshot, async (c) => {
      requireIntactState(deps)
      const deadline = Date.now() + snapshotWaitMs
      for (;;) {
        await deps.state.settled()
        // No await from here to the snapshot: memory is the latest hash's state, or it waits.
        const index = deps.state.position.index
        if (deps.stateHash().index === index) {
          return c.body(deps.snapshots.now(index).body, 200, { 'content-type': 'application/json' })
        }
        const left = deadline - Date.now()
        if (left <= 0) break
        // The next root checkpoint's hash, or a look again (an idle replica hashes on asking).
        const served = await deps.snapshots.next(Math.min(left, 100))
        if (served === 'full') break
        if (served !== undefined) {
          return c.body(served.body, 200, { 'content-type': 'application/json' })
        }
      }
      throw new ApiError(
        'snapshot_unavailable',
        'no state hash at the applied index in time (made at root checkpoints and when idle); retry',
      )
    })
}

/** How long `GET /snapshot` waits for a state hash at the applied index. */
const snapshotWaitMs = 10_000
