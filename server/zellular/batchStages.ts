import { setBounded, stageNow, STAGE_RECORD_MAX } from '../observability/stageClock.ts'

/** When this node saw one batch reach each stage (`stageNow` milliseconds). */
export interface BatchStageRow {
  readonly index: number
  /** This node took the batch from a client (absent for batches other nodes took). */
  readonly accepted: number | undefined
  /** The batch got its index in this node's sequence (on the sequencer: was sequenced). */
  sequenced: number
  locked: number | undefined
  finalized: number | undefined
}

/** Client batches waiting for their index, per app: a node may forward a few thousand at once. */
const PENDING_BODIES_MAX = 10_000

/**
 * The node's part of the latency waterfall: when each batch was accepted from a client,
 * sequenced, locked and finalized, as this node saw it (the sequencer sees each first). Fed by
 * the client intake and the chain, read by `GET /debug/{app}/stages` (`debugRoutes.ts`); never
 * by the protocol. Bounded: the last `STAGE_RECORD_MAX` batches of each app.
 */
export class BatchStages {
  readonly #apps = new Map<
    string,
    {
      rows: Map<number, BatchStageRow>
      /** Client batches taken here and not yet in the sequence: body → when taken. */
      pending: Map<string, number>
      lockedUpTo: number
      finalizedUpTo: number
    }
  >()

  constructor(private readonly now: () => number = stageNow) {}

  /** Client batches this node took (a follower queues them, the sequencer sequences them). */
  accepted(app: string, bodies: readonly string[]): void {
    const { pending } = this.#of(app)
    const at = this.now()
    for (const body of bodies) setBounded(pending, body, at, PENDING_BODIES_MAX)
  }

  /**
   * `bodies` became indices `from + 1`, `from + 2`, … of this node's sequence. Costs a step per
   * row kept, plus a look-up per body while client batches are pending: a follower catching up
   * may append 100,000s of batches at once, of which the record keeps the last
   * `STAGE_RECORD_MAX`.
   */
  sequenced(app: string, from: number, bodies: readonly string[]): void {
    const { rows, pending } = this.#of(app)
    const at = this.now()
    const firstKept = firstRowKept(rows, from, bodies.length)
    // A body taken here is no longer pending, whether its row is kept or not.
    for (let offset = 0; offset < firstKept && pending.size > 0; offset++) {
      pending.delete(bodies[offset]!)
    }
    for (let offset = firstKept; offset < bodies.length; offset++) {
      const body = bodies[offset]!
      const accepted = pending.size > 0 ? pending.get(body) : undefined
      if (accepted !== undefined) pending.delete(body)
      const index = from + offset + 1
      const row = { index, accepted, sequenced: at, locked: undefined, finalized: undefined }
      setBounded(rows, index, row, STAGE_RECORD_MAX)
    }
  }

  /** A lock (or finalization) proof up to `index` was applied: every batch up to it is locked. */
  locked(app: string, index: number): void {
    const stages = this.#of(app)
    const at = this.now()
    for (let i = Math.max(stages.lockedUpTo, index - STAGE_RECORD_MAX) + 1; i <= index; i++) {
      const row = stages.rows.get(i)
      if (row !== undefined && row.locked === undefined) row.locked = at
    }
    stages.lockedUpTo = Math.max(stages.lockedUpTo, index)
  }

  /** A finalization proof up to `index` was applied (which locks what was not yet locked). */
  finalized(app: string, index: number): void {
    this.locked(app, index)
    const stages = this.#of(app)
    const at = this.now()
    for (let i = Math.max(stages.finalizedUpTo, index - STAGE_RECORD_MAX) + 1; i <= index; i++) {
      const row = stages.rows.get(i)
      if (row !== undefined && row.finalized === undefined) row.finalized = at
    }
    stages.finalizedUpTo = Math.max(stages.finalizedUpTo, index)
  }

  /** The recorded batches with index above `after`, ascending, at most `limit`. */
  page(app: string, after: number, limit: number): BatchStageRow[] {
    const rows = this.#apps.get(app)?.rows
    if (rows === undefined) return []
    const out: BatchStageRow[] = []
    for (let i = after + 1; out.length < limit; i++) {
      const row = rows.get(i)
      if (row === undefined) {
        // Rows start where the record's window starts; past the last one there is nothing more.
        const first = rows.keys().next().value
        if (first === undefined || i >= first) break
        i = first - 1
        continue
      }
      out.push(row)
    }
    return out
  }

  #of(app: string) {
    let stages = this.#apps.get(app)
    if (stages === undefined) {
      stages = { rows: new Map(), pending: new Map(), lockedUpTo: 0, finalizedUpTo: 0 }
      this.#apps.set(app, stages)
    }
    return stages
  }
}

/**
 * The offset of the first of `count` bodies sequenced after `from` whose row can outlast the
 * call: past the record's size, the first ones' rows are evicted by the last ones'. Only when
 * none of their indices is recorded yet (a tail sequenced again after a drop updates rows in
 * place, where they are evicted in another order): then 0, each row set in turn.
 */
function firstRowKept(rows: ReadonlyMap<number, unknown>, from: number, count: number): number {
  if (count <= STAGE_RECORD_MAX) return 0
  for (const index of rows.keys()) if (index > from && index <= from + count) return 0
  return count - STAGE_RECORD_MAX
}
