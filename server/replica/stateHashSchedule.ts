import type { Hex } from 'viem'

/** A state hash and the applied index it was computed at. */
export interface IndexedStateHash {
  readonly index: number
  readonly hash: Hex
}

export interface StateHashScheduleParameters {
  /** Hashes the state at the applied index (incremental: costs what changed since the last). */
  readonly compute: () => IndexedStateHash
  /** The applied index now. */
  readonly appliedIndex: () => number
  /** Least time between two hashes, in ms. */
  readonly intervalMs: number
  /**
   * The wait after a hash is also at least `costFactor` times what it took, so hashing uses at
   * most about 1 / costFactor of a core however large the state grows.
   */
  readonly costFactor?: number
  /** Milliseconds, monotonic: when hashes are due. */
  readonly clock?: () => number
  /**
   * Milliseconds of CPU this process has used: what a hash costs is measured with it, not with
   * `clock`, so a hash during which the process was stopped (SIGSTOP) or starved of a core does
   * not count as expensive and hold the next hashes back for 20 times the stall.
   */
  readonly cpuClock?: () => number
}

/** CPU time of this process (every thread), in ms. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1_000
}

/**
 * Decides when a replica hashes its state. The canonical state hash is incremental
 * (`docs/state-hash.md`): it costs the keys changed since the last hash, each rehashing its
 * bucket and up to 16 tree nodes, and the nodes near the root are shared by all of them. Hashing
 * after every applied batch, or at every `GET /status` at a new index (the web app polls every
 * replica, and anyone may), would pay the upper nodes once per batch; hashing once per interval
 * pays them once for all the batches in it. So it is computed only when asked for (a `/status`
 * read, or an SSE `applied` event while someone listens), and then only if the applied index has
 * moved and the interval has passed since the last hash (longer if hashing ever gets expensive).
 * Otherwise the asker gets the latest hash together with its index, which may trail the applied
 * index.
 *
 * Root checkpoints (`rootCheckpoints.ts`) change that once the batches carry finalization data:
 * a hash is then made at each checkpoint as it is applied (`applied`), the indexes every honest
 * replica hashes, and otherwise only once the replica has applied nothing for an interval (the
 * tip of the sequence, where idle replicas all stand), never at whatever index a request finds:
 * such a hash would move the tree, and the proofs with it, to an index no other replica signs.
 * A checkpoint is skipped only when hashing is expensive (`costFactor`).
 */
export class StateHashSchedule {
  readonly #parameters: StateHashScheduleParameters
  readonly #clock: () => number
  readonly #cpuClock: () => number
  #latest: IndexedStateHash | undefined
  #dueAt = Number.NEGATIVE_INFINITY
  /** When the last hash's cost share allows the next (checkpoints wait for this alone). */
  #affordableAt = Number.NEGATIVE_INFINITY
  /** Set at the first checkpoint: hashes are then made at checkpoints or when idle. */
  #checkpoints = false
  #lastAppliedAt = Number.NEGATIVE_INFINITY
  /** Hashes computed so far (for tests). */
  computed = 0

  constructor(parameters: StateHashScheduleParameters) {
    this.#parameters = parameters
    this.#clock = parameters.clock ?? (() => performance.now())
    this.#cpuClock = parameters.cpuClock ?? processCpuMs
  }

  /** The index of the latest hash made, if any (never makes one). */
  get hashedIndex(): number | undefined {
    return this.#latest?.index
  }

  /** The hash at the applied index if one is due, else the most recent one and its index. */
  latest(): IndexedStateHash {
    const latest = this.#latest
    if (
      latest !== undefined &&
      (latest.index === this.#parameters.appliedIndex() || !this.#due() || this.#busy())
    ) {
      return latest
    }
    return this.#refresh()
  }

  /**
   * Tells the schedule a batch was applied; at a root checkpoint (the batch is the applied
   * index, memory holds the state right after it) the state is hashed there and then.
   */
  applied(index: number, checkpoint: boolean): void {
    this.#lastAppliedAt = this.#clock()
    if (!checkpoint) return
    this.#checkpoints = true
    if (index !== this.#parameters.appliedIndex() || index === this.#latest?.index) return
    if (this.#clock() >= this.#affordableAt) this.#refresh()
  }

  /**
   * The hash after the batch at `index`, for its SSE event, when that batch is the applied index
   * (only then is its state in memory) and a hash is due or already made; else undefined.
   */
  afterApply(index: number): Hex | undefined {
    if (index !== this.#parameters.appliedIndex()) return undefined
    if (index === this.#latest?.index) return this.#latest.hash
    return this.#due() && !this.#busy() ? this.#refresh().hash : undefined
  }

  #due(): boolean {
    return this.#clock() >= this.#dueAt
  }

  /** With checkpoints, batches applied within the interval: wait for a checkpoint or a pause. */
  #busy(): boolean {
    if (!this.#checkpoints) return false
    return this.#clock() - this.#lastAppliedAt < this.#parameters.intervalMs
  }

  #refresh(): IndexedStateHash {
    const started = this.#cpuClock()
    const latest = this.#parameters.compute()
    this.computed += 1
    this.#latest = latest
    const { intervalMs, costFactor = 20 } = this.#parameters
    const finished = this.#clock()
    const cost = Math.max(0, this.#cpuClock() - started)
    this.#affordableAt = finished + cost * costFactor
    this.#dueAt = Math.max(finished + intervalMs, this.#affordableAt)
    return latest
  }
}
