import { requestsReducer, type TrackedRequest } from './requestsState.ts'
import { sleep } from '../../../../shared/wait/index.ts'

export interface RequestWatcherParameters {
  /** Asks the replicas where `request` stands: a patch for it, or undefined when none knows. */
  readonly poll: (
    request: TrackedRequest,
    signal: AbortSignal,
  ) => Promise<Partial<TrackedRequest> | undefined>
  readonly onPatch: (key: string, patch: Partial<TrackedRequest>) => void
  /** How many replicas there are: an applied request is watched until all of them applied it. */
  readonly replicaCount: number
  /**
   * Pause between the end of one poll and the start of the next while the request moves;
   * default 700 ms. While the answers stay the same (no replica knows it, or a quorum refused
   * it and it may still apply, for days), each pause doubles up to `slowIntervalMs`.
   */
  readonly intervalMs?: number
  /** How long an applied request is still watched for replicas that lag; default 60 s. */
  readonly appliedWatchMs?: number
  /** Longest pause between polls of a request whose answers stay the same; default 30 s. */
  readonly slowIntervalMs?: number
  /**
   * Most requests watched at once (each poll asks every replica); default 10. Past it the
   * oldest is dropped and marked `unwatched`, and is not watched again.
   */
  readonly maxWatched?: number
  /** This browser's clock (ms since the Unix epoch), for `applyByMs`; default `Date.now`. */
  readonly now?: () => number
  /** Waits `ms`, or less once `signal` aborts; default a timer (tests count pauses with it). */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/**
 * Whether the replicas may still have news about `request`: on its way (submitted, unknown,
 * finalized) or refused by a quorum's pre-checks (`refusedBy`: it may apply all the same),
 * while its nonce can still apply (`applyByMs` at `nowMs`); or applied by fewer replicas than
 * there are (the count keeps rising as late replicas apply it).
 */
function needsWatching(request: TrackedRequest, replicaCount: number, nowMs: number): boolean {
  if (request.unwatched === true) return false
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
  /** False once the request left the list, or was dropped for a newer one: its loop ends. */
  watched: boolean
  appliedAtMs?: number
  /** Ends the pause the loop is in, if any (the request moved, or is no longer watched). */
  wake?: () => void
}

/** What a change of which makes a request worth polling soon again. */
function progressOf(request: TrackedRequest): string {
  return `${request.stage}/${request.appliedBy}/${request.batchIndex}/${request.refusedBy}`
}

/**
 * Follows each request that needs it (`needsWatching`) with its own poll loop: one poll at a
 * time per request (the next starts a pause after the last ended, so slow replicas never make
 * polls pile up), until the request needs no more watching, leaves the list, or has been applied
 * for `appliedWatchMs`. The pause starts at `intervalMs` and doubles up to `slowIntervalMs`
 * while the answers leave the request where it was; it starts over when an answer or the list
 * (a receipt on the live stream) moves it, and a move seen in the list ends the current pause.
 * At most `maxWatched` requests are watched: a request past that drops the oldest (by
 * `startedAt`), which is told through `onPatch` (`unwatched`) so the list can say so.
 */
export class RequestWatcher {
  private readonly watched = new Map<string, Watched>()
  /** Keys dropped for newer requests, until the list shows them `unwatched` (or drops them). */
  private readonly dropped = new Set<string>()
  private readonly stopping = new AbortController()

  constructor(private readonly parameters: RequestWatcherParameters) {}

  /** The current request list: starts loops for requests that need one, updates the others. */
  update(requests: readonly TrackedRequest[]): void {
    if (this.stopping.signal.aborted) return
    const listed = new Set(requests.map((request) => request.key))
    for (const [key, entry] of this.watched) {
      if (!listed.has(key)) this.unwatch(entry)
    }
    for (const key of this.dropped) {
      if (!listed.has(key)) this.dropped.delete(key)
    }
    for (const request of requests) {
      const entry = this.watched.get(request.key)
      if (entry !== undefined) {
        const moved = progressOf(request) !== progressOf(entry.request)
        entry.request = request
        if (moved) entry.wake?.()
      } else if (
        !this.dropped.has(request.key) &&
        needsWatching(request, this.parameters.replicaCount, this.now())
      ) {
        this.watch(request)
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

  /** Starts a loop for `request`, first dropping the oldest request when too many are watched. */
  private watch(request: TrackedRequest): void {
    const created: Watched = { request, watched: true }
    if (this.watched.size >= (this.parameters.maxWatched ?? 10)) {
      let oldest = created
      for (const entry of this.watched.values()) {
        if (entry.request.startedAt < oldest.request.startedAt) oldest = entry
      }
      this.unwatch(oldest)
      this.dropped.add(oldest.request.key)
      this.parameters.onPatch(oldest.request.key, { unwatched: true })
      if (oldest === created) return
    }
    this.watched.set(request.key, created)
    this.follow(created)
      .catch((error: unknown) => console.error('Watching a request failed:', error))
      .finally(() => {
        if (this.watched.get(request.key) === created) this.watched.delete(request.key)
      })
  }

  /** Ends the loop of `entry` at its next step, and forgets it now. */
  private unwatch(entry: Watched): void {
    entry.watched = false
    if (this.watched.get(entry.request.key) === entry) this.watched.delete(entry.request.key)
    entry.wake?.()
  }

  private async follow(entry: Watched): Promise<void> {
    const { signal } = this.stopping
    const { poll, onPatch, replicaCount } = this.parameters
    const intervalMs = this.parameters.intervalMs ?? 700
    const slowIntervalMs = this.parameters.slowIntervalMs ?? 30_000
    const appliedWatchMs = this.parameters.appliedWatchMs ?? 60_000
    let nextPauseMs = intervalMs
    let seen = progressOf(entry.request)
    while (
      !signal.aborted &&
      entry.watched &&
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
      if (signal.aborted || !entry.watched) return
      if (patch !== undefined) {
        onPatch(request.key, patch)
        // Seen at once by the loop's condition; the list's next update brings the same.
        const update = { type: 'update' as const, key: request.key, patch }
        entry.request = requestsReducer([entry.request], update)[0] ?? entry.request
      }
      // Moved (by this answer, or by the list meanwhile): news may follow soon.
      if (progressOf(entry.request) !== seen) {
        seen = progressOf(entry.request)
        nextPauseMs = intervalMs
      }
      const pauseMs = nextPauseMs
      nextPauseMs = Math.min(slowIntervalMs, nextPauseMs * 2)
      await this.pause(entry, pauseMs)
    }
  }

  /** Waits `ms`, or less if the watcher stops or `entry` is woken meanwhile. */
  private async pause(entry: Watched, ms: number): Promise<void> {
    const woken = new AbortController()
    const wake = () => woken.abort()
    entry.wake = wake
    this.stopping.signal.addEventListener('abort', wake)
    try {
      await (this.parameters.sleep ?? sleep)(ms, woken.signal)
    } finally {
      entry.wake = undefined
      this.stopping.signal.removeEventListener('abort', wake)
    }
  }
}
