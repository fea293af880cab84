import { requestsReducer, type TrackedRequest } from './requestsState.ts'

export interface RequestWatcherParameters {
  /** Asks the replicas where `request` stands: a patch for it, or undefined when none knows. */
  readonly poll: (
    request: TrackedRequest,
    signal: AbortSignal,
  ) => Promise<Partial<TrackedRequest> | undefined>
  readonly onPatch: (key: string, patch: Partial<TrackedRequest>) => void
  /** How many replicas there are: an applied request is watched until all of them applied it. */
  readonly replicaCount: number
  /** Pause between the end of one poll and the start of the next; default 700 ms. */
  readonly intervalMs?: number
  /** How long an applied request is still watched for replicas that lag; default 60 s. */
  readonly appliedWatchMs?: number
  /**
   * Longest pause between polls of a request a quorum refused before sequencing: its pauses
   * double from `intervalMs` up to this; default 30 s. It rarely has news, and may wait for it
   * as long as its nonce can apply (days).
   */
  readonly slowIntervalMs?: number
  /** This browser's clock (ms since the Unix epoch), for `applyByMs`; default `Date.now`. */
  readonly now?: () => number
}

/**
 * Whether the replicas may still have news about `request`: on its way (submitted, unknown,
 * finalized) or refused by a quorum's pre-checks (`refusedBy`: it may apply all the same),
 * while its nonce can still apply (`applyByMs` at `nowMs`); or applied by fewer replicas than
 * there are (the count keeps rising as late replicas apply it).
 */
function needsWatching(request: TrackedRequest, replicaCount: number, nowMs: number): boolean {
  if (request.stage === 'applied') return (request.appliedBy ?? 0) < replicaCount
  if (request.applyByMs !== undefined && nowMs > request.applyByMs) return false
  switch (request.stage) {
    case 'submitted':
    case 'unknown':
    case 'finalized':
      return true
    case 'rejected':
      return request.refusedBy !== undefined
    default:
      return false
  }
}

interface Watched {
  request: TrackedRequest
  listed: boolean
  appliedAtMs?: number
}

/**
 * Follows each request that needs it (`needsWatching`) with its own poll loop: one poll at a
 * time per request (the next starts `intervalMs` after the last ended, so slow replicas never
 * make polls pile up; for a request a quorum refused, twice the last pause up to
 * `slowIntervalMs`), until the request needs no more watching, leaves the list, or has been
 * applied for `appliedWatchMs`.
 */
export class RequestWatcher {
  private readonly watched = new Map<string, Watched>()
  private readonly stopping = new AbortController()

  constructor(private readonly parameters: RequestWatcherParameters) {}

  /** The current request list: starts loops for requests that need one, updates the others. */
  update(requests: readonly TrackedRequest[]): void {
    if (this.stopping.signal.aborted) return
    for (const entry of this.watched.values()) entry.listed = false
    for (const request of requests) {
      const entry = this.watched.get(request.key)
      if (entry !== undefined) {
        entry.request = request
        entry.listed = true
      } else if (needsWatching(request, this.parameters.replicaCount, this.now())) {
        const created: Watched = { request, listed: true }
        this.watched.set(request.key, created)
        this.follow(created)
          .catch((error: unknown) => console.error('Watching a request failed:', error))
          .finally(() => this.watched.delete(request.key))
      }
    }
  }

  /** Ends every loop and aborts the polls in flight. */
  stop(): void {
    this.stopping.abort()
  }

  /** How many requests have a loop now. */
  get size(): number {
    return this.watched.size
  }

  private now(): number {
    return (this.parameters.now ?? Date.now)()
  }

  private async follow(entry: Watched): Promise<void> {
    const { signal } = this.stopping
    const { poll, onPatch, replicaCount } = this.parameters
    const intervalMs = this.parameters.intervalMs ?? 700
    const slowIntervalMs = this.parameters.slowIntervalMs ?? 30_000
    const appliedWatchMs = this.parameters.appliedWatchMs ?? 60_000
    let refusedPauseMs = intervalMs
    while (
      !signal.aborted &&
      entry.listed &&
      needsWatching(entry.request, replicaCount, this.now())
    ) {
      const { request } = entry
      if (request.stage === 'applied') {
        entry.appliedAtMs ??= performance.now()
        if (performance.now() - entry.appliedAtMs > appliedWatchMs) return
      }
      const patch = await poll(request, signal).catch((error: unknown) => {
        if (!signal.aborted) console.error('Polling a request failed:', error)
        return undefined
      })
      if (signal.aborted) return
      if (patch !== undefined) {
        onPatch(request.key, patch)
        // Seen at once by the loop's condition; the list's next update brings the same.
        const update = { type: 'update' as const, key: request.key, patch }
        entry.request = requestsReducer([entry.request], update)[0] ?? entry.request
      }
      let pauseMs = intervalMs
      if (entry.request.stage === 'rejected') {
        pauseMs = refusedPauseMs
        refusedPauseMs = Math.min(slowIntervalMs, refusedPauseMs * 2)
      }
      await pause(pauseMs, signal)
    }
  }
}

/** Waits `ms`, or less if `signal` aborts meanwhile (a long pause must not outlive `stop`). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}
