import type { BatchEffects, PreparedBatch } from '../../shared/exchange/index.ts'
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
  /**
   * Parses and verifies a body ahead of applying it (e.g. in a worker thread); default: the
   * state prepares each batch itself, just before applying it.
   */
  readonly prepare?: (body: string) => Promise<PreparedBatch>
  /** Batches read and being prepared ahead of the one being applied (default 8). */
  readonly lookahead?: number
  /** Pause before reading again after the batch stream failed, in ms. */
  readonly retryMs?: number
}

/**
 * Pulls verified finalized batches from the applied position onwards and applies each one in
 * its own database transaction, for as long as `signal` is not aborted. A reader keeps up to
 * `lookahead` batches in preparation (signature checks can run in other threads) while the
 * applier applies them strictly in order. A failing stream (nodes down, a node lying) is read
 * again from the committed position after a pause. A failure to apply or commit rejects with
 * `ReplicaStateError`: memory may be ahead of the database, so the process must restart.
 */
export async function runApplyLoop(parameters: ApplyLoopParameters): Promise<void> {
  const { signal, log, state, retryMs = 500 } = parameters
  while (!signal.aborted) {
    try {
      await runSession(parameters)
    } catch (error) {
      if (error instanceof ReplicaStateError) throw error
      if (signal.aborted) return
      log(`batch stream failed after ${state.position.index}: ${describe(error)}; retrying`)
      await new Promise((resolve) => setTimeout(resolve, retryMs))
    }
  }
}

/** One reading session from the committed position until the stream ends or fails. */
async function runSession(parameters: ApplyLoopParameters): Promise<void> {
  const { source, state, onApplied, prepare, lookahead = 8 } = parameters
  const session = new AbortController()
  const signal = AbortSignal.any([parameters.signal, session.signal])
  const queue: { batch: FinalizedBatch; prepared: Promise<PreparedBatch> | undefined }[] = []
  const itemAdded = new Notifier()
  const itemTaken = new Notifier()
  let readerDone = false
  const { index, chainingHash } = state.position
  const reader = (async () => {
    for await (const batch of source.batches({ after: index, chainingHash, signal })) {
      while (queue.length >= lookahead && !signal.aborted) await itemTaken.wait()
      queue.push({ batch, prepared: prepare?.(batch.body) })
      itemAdded.notify()
    }
  })().finally(() => {
    readerDone = true
    itemAdded.notify()
  })
  try {
    for (;;) {
      const head = queue[0]
      if (parameters.signal.aborted) break
      if (head === undefined) {
        if (readerDone) break
        await itemAdded.wait()
        continue
      }
      const prepared = head.prepared === undefined ? undefined : await head.prepared
      queue.shift()
      itemTaken.notify()
      let effects: BatchEffects
      try {
        effects = state.apply(head.batch, prepared)
      } catch (error) {
        throw new ReplicaStateError(`applying batch ${head.batch.index} failed`, { cause: error })
      }
      onApplied(effects, head.batch)
    }
  } catch (error) {
    session.abort()
    itemTaken.notify()
    await reader.catch(() => undefined)
    throw error
  }
  session.abort()
  itemTaken.notify()
  await reader
}

/** A wake-up signal: `wait` resolves at the next `notify`. */
class Notifier {
  private waiters: (() => void)[] = []

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  notify(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
