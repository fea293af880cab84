import type { TrackedRequest } from './requestsState.ts'

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
}

/**
 * Whether the replicas may still have news about `request`: on its way (submitted, unknown,
 * finalized), or applied by fewer replicas than there are (the count keeps rising as late
 * replicas apply it).
 */
function needsWatching(request: TrackedRequest, replicaCount: number): boolean {
  switch (request.stage) {
    case 'submitted':
    case 'unknown':
    case 'finalized':
      return true
    case 'applied':
      return (request.appliedBy ?? 0) < replicaCount
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
 * make polls pile up), until the request needs no more watching, leaves the list, or has been
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
      } else if (needsWatching(request, this.parameters.replicaCount)) {
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

  private async follow(entry: Watched): Promise<void> {
    const { signal } = this.stopping
    const { poll, onPatch, replicaCount } = this.parameters
    const intervalMs = this.parameters.intervalMs ?? 700
    const appliedWatchMs = this.parameters.appliedWatchMs ?? 60_000
    while (!signal.aborted && entry.listed && needsWatching(entry.request, replicaCount)) {
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
        entry.request = { ...entry.request, ...mergeable(entry.request, patch) }
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  }
}

/** The part of `patch` the list keeps (it never moves a request out of a final stage). */
function mergeable(
  request: TrackedRequest,
  patch: Partial<TrackedRequest>,
): Partial<TrackedRequest> {
  if (request.stage === 'applied' && patch.stage !== undefined && patch.stage !== 'applied') {
    const { stage: _kept, ...rest } = patch
    return rest
  }
  return patch
}
