import { z } from 'zod'
import { blsPublicKeySchema } from './balances.ts'

/**
 * `GET /status`. `appliedIndex` is the last Zellular batch applied (0 before the first);
 * `appliedChainingHash` its chaining hash ("" at 0); `zellularFinalizedIndex` the last
 * finalized index the replica has seen (null until known), `lag` their difference (null until
 * known). `stateHash` is the canonical hash of the whole state (ledger and books) at
 * `stateHashIndex`: equal on every honest replica at equal index (`docs/state-hash.md`). A replica
 * brings it up to date at most about once a second (it costs what changed since the last time):
 * `stateHashIndex` may trail `appliedIndex`; once the interval has passed, the next read is at it.
 */
/** At `index` the replica signed `stateHash` and a quorum of others (`signers`) another. */
const divergenceSchema = z.object({
  index: z.number().int().nonnegative(),
  stateHash: z.string(),
  quorumStateHash: z.string(),
  signers: z.array(z.string()),
})

export const statusResponseSchema = z.object({
  replicaId: z.string(),
  app: z.string(),
  network: z.string(),
  appliedIndex: z.number().int().nonnegative(),
  appliedChainingHash: z.string(),
  /** The applied batch's deterministic time (ms since the Unix epoch; 0 before the first). */
  appliedTime: z.number().int().nonnegative(),
  zellularFinalizedIndex: z.number().int().nonnegative().nullable(),
  lag: z.number().int().nonnegative().nullable(),
  stateHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  stateHashIndex: z.number().int().nonnegative(),
  blsPublicKey: blsPublicKeySchema,
  /**
   * Receipts, trades and closed orders of batches below this index are not here: pruned by the
   * history retention, or before the snapshot a state sync started from (0 when all are kept).
   */
  historyPrunedBelow: z.number().int().nonnegative().optional(),
  /**
   * Random, chosen anew at each start of the replica and each time state sync replaces its
   * state: another value says the state answered before may have been replaced since, so what
   * was kept of it (an API process's balance signatures) is to be forgotten.
   */
  stateSession: z.string().optional(),
  /**
   * Present while the replica is diverged: at `index` it signed `stateHash` and a quorum of the
   * other replicas (`signers`) signed `quorumStateHash`. It signs nothing meanwhile and replaces
   * its state by state sync.
   */
  diverged: divergenceSchema.optional(),
  /**
   * The last divergence this replica's process found and healed since it started: what
   * `diverged` said, and `healedAt`, the index of the state a quorum signed that replaced it.
   */
  healed: divergenceSchema.extend({ healedAt: z.number().int().nonnegative() }).optional(),
})

export type StatusResponse = z.infer<typeof statusResponseSchema>

/** One Zellular node as this replica sees it (`/node/state` of each node). */
export const zellularNodeSchema = z.object({
  id: z.string(),
  url: z.string(),
  /** The node answered its state in time. */
  ok: z.boolean(),
  /** The node says it is the sequencer. */
  sequencer: z.boolean(),
  /** Last finalized index of this app on that node; null when unknown. */
  finalizedIndex: z.number().int().nonnegative().nullable(),
  lastSequencedIndex: z.number().int().nonnegative().nullable(),
  /** Why `ok` is false. */
  error: z.string().optional(),
})

export type ZellularNode = z.infer<typeof zellularNodeSchema>

/**
 * `GET /network`: the Zellular nodes (browsers cannot call them: no CORS) and the sequencer id
 * most reachable nodes report (null when none answered).
 */
export const networkResponseSchema = z.object({
  app: z.string(),
  sequencerId: z.string().nullable(),
  nodes: z.array(zellularNodeSchema),
})

export type NetworkResponse = z.infer<typeof networkResponseSchema>
