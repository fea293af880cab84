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
  /** Milliseconds, monotonic; also used to measure what a hash costs. */
  readonly clock?: () => number
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
 */
export class StateHashSchedule {
  readonly #parameters: StateHashScheduleParameters
  readonly #clock: () => number
  #latest: IndexedStateHash | undefined
  #dueAt = Number.NEGATIVE_INFINITY
  /** Hashes computed so far (for tests). */
  computed = 0

  constructor(parameters: StateHashScheduleParameters) {
    this.#parameters = parameters
    this.#clock = parameters.clock ?? (() => performance.now())
  }

  /** The hash at the applied index if one is due, else the most recent one and its index. */
  latest(): IndexedStateHash {
    const latest = this.#latest
    if (
      latest !== undefined &&
      (latest.index === this.#parameters.appliedIndex() || !this.#due())
    ) {
      return latest
    }
    return this.#refresh()
  }

  /**
   * The hash after the batch at `index`, for its SSE event, when that batch is the applied index
   * (only then is its state in memory) and a hash is due or already made; else undefined.
   */
  afterApply(index: number): Hex | undefined {
    if (index !== this.#parameters.appliedIndex()) return undefined
    if (index === this.#latest?.index) return this.#latest.hash
    return this.#due() ? this.#refresh().hash : undefined
  }

  #due(): boolean {
    return this.#clock() >= this.#dueAt
  }

  #refresh(): IndexedStateHash {
    const started = this.#clock()
    const latest = this.#parameters.compute()
    this.computed += 1
    this.#latest = latest
    const { intervalMs, costFactor = 20 } = this.#parameters
    const finished = this.#clock()
    this.#dueAt = finished + Math.max(intervalMs, (finished - started) * costFactor)
    return latest
  }
}
