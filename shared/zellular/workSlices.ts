/**
 * Cuts long synchronous work into slices with a yield to the event loop between them, so that
 * one big input does not hold the thread for its whole length (no reads, timers or heartbeats
 * meanwhile). The caller counts the work it does in units of its choosing; once a slice's budget
 * is spent, `spend` says so and `pause` yields.
 *
 * @example
 * const slices = new WorkSlices(20_000, nextMacrotask)
 * for (const item of items) {
 *   work(item)
 *   if (slices.spend(ITEM_COST)) await slices.pause()
 * }
 */
export class WorkSlices {
  #left: number

  constructor(
    /** Units of work in one slice. */
    readonly budget: number,
    /** Resolves on a later turn of the event loop. */
    readonly yieldToLoop: () => Promise<void>,
    /** Checked after each pause: work for a caller that is gone stops there. */
    readonly signal?: AbortSignal,
  ) {
    if (!(budget > 0)) throw new RangeError(`a slice needs a positive budget, not ${budget}`)
    this.#left = budget
  }

  /** Counts `units` of work done; true when the slice is used up and the caller should `pause`. */
  spend(units: number): boolean {
    this.#left -= units
    return this.#left <= 0
  }

  /**
   * Yields to the event loop, then starts a new slice.
   * @throws the signal's reason when it was aborted meanwhile.
   */
  async pause(): Promise<void> {
    await this.yieldToLoop()
    this.#left = this.budget
    this.signal?.throwIfAborted()
  }
}

/**
 * A turn of the event loop: `setImmediate` where there is one (Node), else a zero-delay timer
 * (browsers, which may stretch it to 4 ms). Not a microtask: those run before I/O and timers.
 */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve)
    else setTimeout(resolve, 0)
  })
}
