import type { StateSnapshot } from '../../shared/api/index.ts'

/** One snapshot as served: its index and its JSON text, made once for every request. */
interface ServedSnapshot {
  readonly index: number
  readonly body: string
}

/**
 * The replica's state for state sync (`GET /snapshot`), at an index every replica signs a root
 * at: taken from memory, synchronously, only while the latest state hash is of the applied index
 * (the state in memory is then exactly the signed one). That is at once when the replica is idle
 * (it hashes its tip) or right after a root checkpoint was hashed (`hashedAtApplied`, called by
 * the apply loop); a request arriving between two waits for the next one. A snapshot costs
 * O(state) on the apply thread, so one is taken per index and its JSON text kept and shared by
 * every request for it.
 */
export class StateSnapshots {
  #served: ServedSnapshot | undefined
  readonly #waiters = new Set<(served: ServedSnapshot) => void>()

  constructor(
    /** The state in memory as a snapshot (only called while it is the latest hash's state). */
    private readonly take: () => StateSnapshot,
    /** Requests that may wait for the next hash at once; more are refused. */
    private readonly waitersMax = 8,
  ) {}

  /** The snapshot of the state in memory, which the caller knows is the latest hash's. */
  now(index: number): ServedSnapshot {
    if (this.#served?.index !== index) {
      this.#served = { index, body: JSON.stringify(this.take()) }
    }
    return this.#served
  }

  /** Forgets the snapshot made: of a state replaced by state sync, maybe at the same index. */
  forget(): void {
    this.#served = undefined
  }

  /**
   * Called right after a state hash was made at the applied index, memory holding that state:
   * the waiting requests get it.
   */
  hashedAtApplied(index: number): void {
    if (this.#waiters.size === 0) return
    const served = this.now(index)
    for (const resolve of this.#waiters) resolve(served)
    this.#waiters.clear()
  }

  /**
   * The next snapshot `hashedAtApplied` makes, or undefined after `timeoutMs`; `full` at once
   * when `waitersMax` requests already wait.
   */
  next(timeoutMs: number): Promise<ServedSnapshot | undefined | 'full'> {
    if (this.#waiters.size >= this.waitersMax) return Promise.resolve('full')
    return new Promise((resolve) => {
      const done = (served: ServedSnapshot | undefined) => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve(served)
      }
      const timer = setTimeout(done, timeoutMs, undefined)
      this.#waiters.add(done)
    })
  }
}
