import type { Hex } from 'viem'

/** A state hash and the applied index it was computed at. */
export interface IndexedStateHash {
  readonly index: number
  readonly hash: Hex
}

export interface StateHashScheduleParameters {
  /** Hashes the state at the applied index (linear in the state: consumed nonces grow forever). */
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
 * Decides when a replica hashes its state. The canonical state hash is linear in the state, so
 * computing it for every applied batch, or for every `GET /status` at a new index (the web app
 * polls every replica), would cost more and more as nonces accumulate, and anyone could make a
 * replica hash at will. Instead the hash is computed at most once per interval (longer when it
 * is expensive), right after a batch when one is due, and otherwise by a timer once the due
 * time comes, so a quiet replica's hash soon catches up with its applied index. Readers get
 * the latest hash together with its index.
 */
export class StateHashSchedule {
  readonly #parameters: StateHashScheduleParameters
  readonly #clock: () => number
  #latest: IndexedStateHash | undefined
  #dueAt = Number.NEGATIVE_INFINITY
  #timer: NodeJS.Timeout | undefined
  #stopped = false
  /** Hashes computed so far (for tests and benchmarks). */
  computed = 0

  constructor(parameters: StateHashScheduleParameters) {
    this.#parameters = parameters
    this.#clock = parameters.clock ?? (() => performance.now())
  }

  /** The most recent hash and its index, which may be behind the applied index. */
  get latest(): IndexedStateHash {
    return this.#latest ?? this.#refresh()
  }

  /**
   * Call after each committed batch: returns the hash at `index` when one is due now and `index`
   * is the applied index (only then is that state in memory), and otherwise arms the catch-up.
   */
  afterApply(index: number): Hex | undefined {
    if (this.#stopped) return undefined
    if (index === this.#latest?.index) return this.#latest.hash
    if (index === this.#parameters.appliedIndex() && this.#clock() >= this.#dueAt) {
      return this.#refresh().hash
    }
    this.#arm()
    return undefined
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(): void {
    if (this.#timer !== undefined) return
    const delay = Math.max(0, this.#dueAt - this.#clock())
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#stopped || this.#parameters.appliedIndex() === this.#latest?.index) return
      // Batches may have been applied since the timer was armed; hash wherever the state is.
      if (this.#clock() >= this.#dueAt) this.#refresh()
      else this.#arm()
    }, delay)
    this.#timer.unref?.()
  }

  #refresh(): IndexedStateHash {
    const started = this.#clock()
    const latest = this.#parameters.compute()
    this.computed += 1
    this.#latest = latest
    this.#dueAt = this.#nextDue(this.#clock() - started)
    return latest
  }

  #nextDue(costMs: number): number {
    const { intervalMs, costFactor = 20 } = this.#parameters
    return this.#clock() + Math.max(intervalMs, costMs * costFactor)
  }
}
