/** Most requests held at once on one node; more are answered at once, as without waiting. */
const WAITERS_MAX = 1_024

/**
 * Wakes requests held until a node's sequences move (the long-polls of our node: a reader
 * waiting for a finalization, a follower waiting for the sequencer's news). Rung by the chain on
 * every append, lock and finalization; a woken waiter checks its own condition and may wait
 * again for what is left of its time. Bounded: past `WAITERS_MAX` a wait ends at once.
 */
export class ProgressBell {
  readonly #waiters = new Set<() => void>()
  #closed = false

  /** Resolves at the next ring, after `ms`, or at once when closed or too many wait already. */
  wait(ms: number): Promise<void> {
    if (this.#closed || ms <= 0 || this.#waiters.size >= WAITERS_MAX) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#waiters.add(done)
    })
  }

  /**
   * Waits until `ready()` holds or `ms` have passed, whichever comes first; true if it holds.
   */
  async until(ready: () => boolean, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms
    for (;;) {
      if (ready()) return true
      const left = deadline - performance.now()
      // Past the cap a wait ends at once: answer now, not poll the condition until the deadline.
      if (left <= 0 || this.#closed || this.#waiters.size >= WAITERS_MAX) return false
      await this.wait(left)
    }
  }

  ring(): void {
    for (const wake of [...this.#waiters]) wake()
  }

  /** Lets every held request go and holds no more (the node is stopping). */
  close(): void {
    this.#closed = true
    this.ring()
  }
}
