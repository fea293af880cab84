import type { BatchEffects } from '../../shared/exchange/index.ts'
import type { FinalizedBatch, ReplicaState } from './replicaState.ts'

/** Where finalized batches come from: the Zellular SDK client, or a test double. */
export interface BatchSource {
  batches(parameters: {
    after: number
    chainingHash?: string
    signal?: AbortSignal
  }): AsyncIterable<FinalizedBatch>
}

/** A failure of the state itself (a broken invariant or the disk): the replica must stop. */
export class ReplicaStateError extends Error {
  override name = 'ReplicaStateError' as const
}

export interface ApplyLoopParameters {
  readonly source: BatchSource
  readonly state: ReplicaState
  /** Called after each commit, for events and pending bookkeeping. Must not throw. */
  readonly onApplied: (effects: BatchEffects, batch: FinalizedBatch) => void
  readonly signal: AbortSignal
  readonly log: (line: string) => void
  /** Pause before reading again after the batch stream failed, in ms. */
  readonly retryMs?: number
}

/**
 * Pulls verified finalized batches from the applied position onwards and applies each one in
 * its own database transaction, for as long as `signal` is not aborted. A failing stream (nodes
 * down, a node lying) is read again from the committed position after a pause. A failure to
 * apply or commit rejects with `ReplicaStateError`: the in-memory state may be ahead of the
 * database, so the process must exit and restart from the database.
 */
export async function runApplyLoop(parameters: ApplyLoopParameters): Promise<void> {
  const { source, state, onApplied, signal, log, retryMs = 500 } = parameters
  while (!signal.aborted) {
    const { index, chainingHash } = state.position
    try {
      for await (const batch of source.batches({ after: index, chainingHash, signal })) {
        let effects: BatchEffects
        try {
          effects = state.apply(batch)
        } catch (error) {
          throw new ReplicaStateError(`applying batch ${batch.index} failed`, { cause: error })
        }
        onApplied(effects, batch)
      }
    } catch (error) {
      if (error instanceof ReplicaStateError) throw error
      if (signal.aborted) return
      log(`batch stream failed after ${state.position.index}: ${describe(error)}; retrying`)
      await new Promise((resolve) => setTimeout(resolve, retryMs))
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
