import type { BookEvent } from '../../../shared/api/index.ts'
import { applyBookDelta, orderbookFromSnapshot, type OrderbookState } from './orderbookState.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

type OrderbookSyncStatus = 'loading' | 'synced' | 'resyncing' | 'error'

/**
 * Least time between two publications of the view (one React render of the book each): a frame,
 * so a batch shows in the next frame, and a burst of batches costs at most a render per frame.
 */
const publishGapMs = 16

export interface OrderbookView {
  readonly status: OrderbookSyncStatus
  readonly book: OrderbookState | undefined
  /** How many times a `seq` gap forced a refetch (shown in the indicator's tooltip). */
  readonly gaps: number
}

/**
 * Keeps one market's book in step with a replica: a `GET /orderbook` snapshot, then SSE deltas
 * on top. Deltas that arrive while a snapshot is loading are buffered and replayed after it; a
 * `seq` gap triggers a new snapshot. A failed snapshot is retried after 1 s, then 2, 4 … up to
 * 30 s; `stop` ends everything, including a retry that is waiting or a load in flight. Views are
 * published at the end of each batch (`flush`, on its `applied` event), so a batch's deltas show
 * together in the next frame; but at most once per `publishGapMs`, a later batch waiting out the
 * rest of the gap on a timer (not animation frames, so background tabs stay current).
 */
export class OrderbookSync {
  private view: OrderbookView = { status: 'loading', book: undefined, gaps: 0 }
  private buffer: BookEvent[] = []
  private loading: AbortController | undefined
  private readonly listeners = new Set<() => void>()
  private frame: ReturnType<typeof setTimeout> | undefined
  private retry: ReturnType<typeof setTimeout> | undefined
  /** Failed snapshots in a row: the next retry waits 1 s × 2^(failures − 1), at most 30 s. */
  private failures = 0
  private stopped = false
  /** `performance.now()` of the last publication. */
  private publishedAt = Number.NEGATIVE_INFINITY

  constructor(
    readonly market: string,
    private readonly replicaOf: () => ReplicaRef | undefined,
    private readonly depth = 200,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  readonly getView = (): OrderbookView => this.view

  /** Drops the current book and loads a snapshot from the current replica. */
  resync(): void {
    if (this.stopped) return
    clearTimeout(this.retry)
    this.retry = undefined
    this.loading?.abort()
    const controller = new AbortController()
    this.loading = controller
    this.buffer = []
    this.patch({ status: this.view.book === undefined ? 'loading' : 'resyncing' })
    const replica = this.replicaOf()
    if (replica === undefined) return
    replicaApi
      .orderbook(replica, this.market, this.depth, controller.signal)
      .then((snapshot) => {
        if (this.loading !== controller) return
        this.loading = undefined
        let book = orderbookFromSnapshot(snapshot)
        for (const delta of this.buffer) {
          const result = applyBookDelta(book, delta)
          if (result.kind === 'gap') return this.gap()
          if (result.kind === 'applied') book = result.state
        }
        this.buffer = []
        this.failures = 0
        this.patch({ status: 'synced', book }, true)
      })
      .catch(() => {
        if (this.loading !== controller || this.stopped) return
        this.loading = undefined
        this.failures += 1
        this.patch({ status: 'error' }, true)
        const delayMs = Math.min(30_000, 1000 * 2 ** Math.min(this.failures - 1, 5))
        this.retry = setTimeout(() => {
          this.retry = undefined
          if (this.view.status === 'error') this.resync()
        }, delayMs)
      })
  }

  onDelta(delta: BookEvent): void {
    if (delta.market !== this.market) return
    if (this.view.status !== 'synced' || this.view.book === undefined) {
      this.buffer.push(delta)
      return
    }
    const result = applyBookDelta(this.view.book, delta)
    if (result.kind === 'gap') this.gap()
    else if (result.kind === 'applied') this.patch({ book: result.state })
  }

  /**
   * The end of a batch: publishes the deltas it applied now, or, when a view went out less than
   * `publishGapMs` ago, as soon as that gap is over (sooner than the timer its first delta set,
   * which counts the gap from that delta, not from the last publication).
   */
  flush(): void {
    if (this.frame === undefined || this.stopped) return
    const waitMs = this.publishedAt + publishGapMs - performance.now()
    if (waitMs <= 0) return this.notify()
    clearTimeout(this.frame)
    this.frame = setTimeout(() => this.notify(), waitMs)
  }

  /** Ends the sync for good: no load, retry or publication happens after this. */
  stop(): void {
    this.stopped = true
    this.loading?.abort()
    this.loading = undefined
    clearTimeout(this.retry)
    clearTimeout(this.frame)
    this.frame = undefined
  }

  private gap(): void {
    this.view = { ...this.view, gaps: this.view.gaps + 1 }
    this.resync()
  }

  private patch(patch: Partial<OrderbookView>, now = false): void {
    this.view = { ...this.view, ...patch }
    if (this.stopped) return
    if (now) return this.notify()
    this.frame ??= setTimeout(() => this.notify(), publishGapMs)
  }

  private notify(): void {
    clearTimeout(this.frame)
    this.frame = undefined
    this.publishedAt = performance.now()
    for (const listener of this.listeners) listener()
  }
}
