import type { Hex } from 'viem'
import type { NetworkResponse, ReplicaRegistry } from '../../shared/api/index.ts'
import type { BatchItemEncoding } from '../../shared/intents/index.ts'
import type { BalanceSigner } from './balanceSigner.ts'
import type { BatchSubmitter } from './batchSubmitter.ts'
import type { Divergence, HealedDivergence } from './divergenceWatch.ts'
import type { DroppedReceipts } from './droppedReceipts.ts'
import type { EventHub } from './eventHub.ts'
import type { IntentStages } from './intentStages.ts'
import type { ClientLimitSettings } from './middleware/clientLimits.ts'
import type { PendingIntents } from './pendingIntents.ts'
import type { PendingJournal } from './pendingJournal.ts'
import type { ReplicaState } from './replicaState.ts'
import type { RootAttestations } from './rootAttestations.ts'
import type { IndexedStateHash } from './stateHashSchedule.ts'
import type { StateSnapshots } from './stateSnapshots.ts'

/** What the HTTP app needs from the rest of the replica; `createApp` takes it. */
export interface ReplicaDeps {
  readonly replicaId: string
  /** The trust root: replica ids, URLs, BLS keys, quorum, tokens and markets. */
  readonly registry: ReplicaRegistry
  readonly state: ReplicaState
  /** Set once a quorum of peers signed another root than this replica (`DivergenceWatch`). */
  readonly divergence: {
    readonly diverged: Divergence | undefined
    /** The last divergence healed since the process started (an API process knows none). */
    readonly lastHealed?: HealedDivergence | undefined
  }
  /** Chosen anew at each start and each state replaced by state sync (`/status`). */
  readonly stateSession: string
  readonly signer: BalanceSigner
  readonly blsPublicKey: Hex
  readonly submitter: BatchSubmitter
  readonly pending: PendingIntents
  /** The acknowledged intents, on disk until applied: what a restart sends again. */
  readonly journal: PendingJournal
  /** Receipts of rejected intents that left no trace in the state (bounded, in memory). */
  readonly dropped: DroppedReceipts
  readonly hub: EventHub
  /** When intents and batches reached each stage here (the latency waterfall). */
  readonly stages: IntentStages
  /** The latest state hash and its index (computed on a schedule, never per request). */
  readonly stateHash: () => IndexedStateHash
  /** The signed root attestation of each recent state hash (`GET /root`). */
  readonly roots: RootAttestations
  /** The state at a hashed index, for replicas that sync from this one (`GET /snapshot`). */
  readonly snapshots: StateSnapshots
  /** The last finalized index on Zellular (null until known), and the nodes' view. */
  readonly zellular: {
    finalizedIndex(): Promise<number | null>
    network(): Promise<NetworkResponse>
  }
  /** Fetch used to ask the other replicas (aggregate balances). */
  readonly fetch: typeof fetch
  /** With the per-client limits (`clientLimits`): submissions, signed reads, snapshots. */
  readonly options: ClientLimitSettings & {
    readonly corsOrigins: readonly string[] | '*'
    readonly bodyLimitBytes: number
    readonly aggregateTimeoutMs: number
    /** Most events an SSE client may fall behind before its stream is reset. */
    readonly eventQueueMax: number
    /** Least time before an accepted but unapplied intent is sent again. */
    readonly redeliverAfterMs: number
    /** The form of the intents this replica writes into batches. */
    readonly batchEncoding: BatchItemEncoding
  }
  readonly log: (line: string) => void
  /** Milliseconds since the epoch; injected for tests. */
  readonly now: () => number
}
