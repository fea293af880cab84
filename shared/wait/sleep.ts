/**
 * Waits `ms`, or less if `signal` aborts meanwhile (at once if it already has). It resolves
 * either way and never rejects: loops that pause between rounds check their signal after it,
 * and a long pause must not outlive the stop that aborts it (its timer and listener go then).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
