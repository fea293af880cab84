import type { BatchEffects, PreparedBatch } from '../../shared/exchange/index.ts'
import type { FinalizedBatch, ReplicaState } from './replicaState.ts'
import { BaseError } from '../../shared/errors/index.ts'

/** Where finalized batches come from: the Zellular SDK client, or a test double. */
export interface BatchSource {
  batches(parameters: {
    after: number
    chainingHash?: string
    /** The last finalization at or before `after`, if known: the first proof must link to it. */
    finalizedIndex?: number
    signal?: AbortSignal
  }): AsyncIterable<FinalizedBatch>
}

/** A failure of the state itself (a broken invariant or the disk): the replica must stop. */
export class ReplicaStateError extends BaseError {
  override name = 'ReplicaStateError' as const
}

export interface ApplyLoopParameters {
  readonly source: BatchSource
  readonly state: ReplicaState
  /**
   * Called after each commit, for events and pending bookkeeping. Must not throw. `endsGroup`:
   * the batch was the last of its group because `endsGroup` said so, so memory holds the state
   * right after it while this runs.
   */
  readonly onApplied: (effects: BatchEffects, batch: FinalizedBatch, endsGroup: boolean) => void
  /**
   * Makes, for each reading session, a rule fed every batch read, once and in order: true ends
   * a commit group after that batch (root checkpoints, `rootCheckpoints.ts`). Default: none.
   */
  readonly endsGroup?: () => (batch: FinalizedBatch) => boolean
  readonly signal: AbortSignal
  readonly log: (line: string) => void
  /**
   * Parses and verifies a body ahead of applying it (e.g. in a worker thread); default: the
   * state prepares each batch itself, just before applying it.
   */
  readonly prepare?: (body: string) => Promise<PreparedBatch>
  /** Batches read and being prepared ahead of the one being applied (default 64). */
  readonly lookahead?: number
  /**
   * Most batches committed in one transaction (default 32). Only batches that are already read
   * and prepared are grouped, so under light load each batch commits on its own.
   */
  readonly groupMax?: number
  /**
   * How long the applier may wait for batches that are being prepared, to commit them together
   * with the ones already ready (default 10 ms). When preparation runs in threads, results come
   * back one batch at a time, and committing each on its own costs more than preparing it.
   */
  readonly groupWaitMs?: number
  /** Pause before reading again after the batch stream failed, in ms. */
  readonly retryMs?: number
}

/**
 * Pulls verified finalized batches from the applied position onwards and applies them strictly
 * in order, each batch's effects committed in one database transaction together with the
 * applied index and chaining hash, for as long as `signal` is not aborted. A reader keeps up to
 * `lookahead` batches in preparation (signature checks can run in other threads); batches that
 * are already waiting when the applier comes to them share one transaction (at most
 * `groupMax`), which keeps a whole batch and the position atomic while writing less. A failing stream (nodes down, a node lying) is read
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
  const { source, state, onApplied, prepare, lookahead = 64, groupMax = 32 } = parameters
  const { groupWaitMs = 10 } = parameters
  const session = new AbortController()
  const signal = AbortSignal.any([parameters.signal, session.signal])
  interface Entry {
    readonly batch: FinalizedBatch
    readonly prepared: Promise<PreparedBatch> | undefined
    /** The preparation result once it is in. */
    result?: PreparedBatch
    ready: boolean
    /** No batch joins this one's group after it. */
    readonly endsGroup: boolean
  }
  const queue: Entry[] = []
  const itemAdded = new Notifier()
  const itemTaken = new Notifier()
  let readerDone = false
  const { index, chainingHash, finalizedIndex } = state.position
  const from = { after: index, chainingHash, signal }
  const reading = finalizedIndex === undefined ? from : { ...from, finalizedIndex }
  const endsGroup = parameters.endsGroup?.()
  const reader = (async () => {
    for await (const batch of source.batches(reading)) {
      while (queue.length >= lookahead && !signal.aborted) await itemTaken.wait()
      const prepared = prepare?.(batch.body)
      const ready = prepared === undefined
      const entry: Entry = { batch, prepared, ready, endsGroup: endsGroup?.(batch) ?? false }
      prepared?.then(
        (result) => {
          entry.result = result
          entry.ready = true
        },
        // A failed preparation reaches the applier, which awaits `prepared` itself.
        () => undefined,
      )
      queue.push(entry)
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
      if (head.prepared !== undefined) head.result = await head.prepared
      // One macrotask turn lets the reader queue the batches it already holds (a page of them
      // arrives at once); the head and those right behind it that are prepared share one
      // transaction, and so do those still in preparation if they are done within the wait.
      if (queue.length < groupMax && !readerDone) await new Promise(setImmediate)
      const deadline = performance.now() + groupWaitMs
      let count = 1
      while (count < groupMax && !queue[count - 1]!.endsGroup) {
        const next = queue[count]
        if (next === undefined) break
        if (!next.ready) {
          const left = deadline - performance.now()
          if (next.prepared === undefined || left <= 0) break
          if (!(await settlesWithin(next.prepared, left))) break
          next.result = await next.prepared
        }
        count += 1
      }
      const group = queue.splice(0, count)
      itemTaken.notify()
      // Events leave inside the commit's last step, before any read held back by the commit.
      const publish = (all: BatchEffects[]) => {
        for (const [position, effects] of all.entries()) {
          const entry = group[position]!
          onApplied(effects, entry.batch, entry.endsGroup && position === group.length - 1)
        }
      }
      try {
        const items = group.map(({ batch, result }) => ({ batch, prepared: result }))
        await state.applyGroup(items, publish)
      } catch (error) {
        const range = `${group[0]!.batch.index}..${group.at(-1)!.batch.index}`
        throw new ReplicaStateError(`applying batches ${range} failed`, { cause: error })
      }
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

/** Whether `promise` settles within `ms` milliseconds. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([promise.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
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
