import { PlacesPerClient } from '../http/placesPerClient.ts'

/** Most clients' requests held at once on one node; more are answered at once, as unheld. */
const CLIENT_WAITERS_MAX = 1_024
/** Most requests held at once for one holder: no client takes every place, nor one peer. */
const WAITERS_PER_HOLDER_MAX = 16

/**
 * Whom a wait is held for: a client by its address (`clientKey`), or a peer node by its id. A
 * peer's waits (a follower holding the sequencer's sign request) are the network's own work:
 * clients filling their places do not end them.
 */
export interface WaitHolder {
  readonly key: string
  readonly peer?: boolean
}

/**
 * Wakes requests held until a node's sequences move (the long-polls of our node: a reader
 * waiting for a finalization, a follower waiting for the sequence it is asked to sign). Rung by
 * the chain on every append, lock and finalization; a woken waiter checks its own condition and
 * may wait again for what is left of its time. Bounded: past `WAITERS_PER_HOLDER_MAX` for its
 * holder, or `CLIENT_WAITERS_MAX` for all clients, a wait ends at once.
 */
export class ProgressBell {
  readonly #waiters = new Set<() => void>()
  /** Waits held per holder key (peers' keys apart from clients'). */
  readonly #perHolder = new PlacesPerClient(WAITERS_PER_HOLDER_MAX)
  #clientsHeld = 0
  #closed = false

  /**
   * Waits until `ready()` holds or `ms` have passed, whichever comes first; true if it holds.
   */
  async until(ready: () => boolean, ms: number, holder: WaitHolder): Promise<boolean> {
    const deadline = performance.now() + ms
    const peer = holder.peer === true
    const key = `${peer ? 'peer' : 'client'}:${holder.key}`
    for (;;) {
      if (ready()) return true
      const left = deadline - performance.now()
      // Past a cap a wait ends at once: answer now, not poll the condition until the deadline.
      if (left <= 0 || this.#closed || (!peer && this.#clientsHeld >= CLIENT_WAITERS_MAX)) {
        return false
      }
      const release = this.#perHolder.open(key)
      if (release === undefined) return false
      if (!peer) this.#clientsHeld++
      await this.#wait(left)
      release()
      if (!peer) this.#clientsHeld--
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

  /** Resolves at the next ring or after `ms`. */
  #wait(ms: number): Promise<void> {
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
}
