/**
 * A node's source of time. Production wiring passes `systemClock`; a test passes one it moves
 * itself, so the node's timing rules (the finalization border, the freshness window, silent
 * peers, proof ages) can be driven without waiting. Network timeouts stay on real time: they
 * bound how long a socket may take, not a protocol rule.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
  /** Calls `callback` once `ms` have passed on this clock; the returned function cancels it. */
  after(ms: number, callback: () => void): () => void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, callback) {
    const timer = setTimeout(callback, ms)
    return () => clearTimeout(timer)
  },
}

/** Whole seconds since the epoch: zsequencer's `int(time.time())`, used in signed messages. */
export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000)
}
