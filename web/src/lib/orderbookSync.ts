import type { BookEvent } from '../../../shared/api/index.ts'
import { checkedLevels } from './marketDataCheck.ts'
import {
  applyBookDelta,
  copyBook,
  knownLevels,
  orderbookFromSnapshot,
  type OrderbookState,
  type WorkingBook,
} from './orderbookState.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

type OrderbookSyncStatus = 'loading' | 'synced' | 'resyncing' | 'error'

/**
 * Least time between two publications of the view (one React render of the book each): a frame,
 * so a batch shows in the next frame, and a burst of batches costs at most a render per frame.
 */
const publishGapMs = 16

/**
 * Most deltas kept while a snapshot loads. More than that cannot be replayed onto it: the
 * buffer is dropped, and the snapshot, when it comes, is followed by a newer one rather than
 * shown. A resync (one request) rather than leaving the stream as faulty: a busy honest market
 * can outrun a slow snapshot too, and the stream has its own health checks.
 */
export const bufferedDeltasMax = 10_000

/**
 * Fewest levels a side must be known whole for, when it is not known whole (a cut snapshot):
 * with fewer, a level the snapshot left out may be among the best, as shown and as checked
 * against the other replicas (`marketDataCheck.ts`), and a new snapshot is loaded.
 */
const knownLevelsMin = 2 * checkedLevels

export interface OrderbookView {
  readonly status: OrderbookSyncStatus
  readonly book: OrderbookState | undefined
  /** How many times a `seq` gap forced a refetch (shown in the indicator's tooltip). */
  readonly gaps: number
}

/**
 * Keeps one market's book in step with a replica: a `GET /orderbook` snapshot, then SSE deltas
 * on top, each changing a working book in place (`applyBookDelta`); the view gets an immutable
 * copy of it when read after a change (`getView`), so a delta costs what it changes and a copy
 * is made at most once per render. Deltas that arrive while a snapshot is loading are buffered
 * (at most `bufferedDeltasMax`) and replayed after it; a `seq` gap triggers a new snapshot. A failed snapshot is retried after 1 s, then 2, 4 … up to
 * 30 s; `stop` ends everything, including a retry that is waiting or a load in flight. Views are
 * published at the end of each batch (`flush`, on its `applied` event), so a batch's deltas show
 * together in the next frame; but at most once per `publishGapMs`, a later batch waiting out the
 * rest of the gap on a timer (not animation frames, so background tabs stay current).
 */
export class OrderbookSync {
  private view: OrderbookView = { status: 'loading', book: undefined, gaps: 0 }
  /** The book deltas apply to; `view.book` is a copy of it, renewed when read after a change. */
  private book: WorkingBook | undefined
  /** The replica whose snapshot `book` started from (every stream change loads a new one). */
  private source: string | undefined
  private bookChanged = false
  private buffer: BookEvent[] = []
  /** More deltas came during the load than the buffer holds: the snapshot cannot catch up. */
  private overflowed = false
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

  readonly getView = (): OrderbookView => {
    if (this.bookChanged && this.book !== undefined) {
      this.bookChanged = false
      this.view = { ...this.view, book: copyBook(this.book) }
    }
    return this.view
  }

  /**
   * The book as the stream has it now, while in step with it (synced), and the replica whose
   * snapshot (and stream) made it; not to be changed. For the check against the other replicas'
   * books (`marketDataCheck.ts`), read at a publication.
   */
  syncedBook(): { readonly book: Readonly<WorkingBook>; readonly replicaId: string } | undefined {
    if (this.view.status !== 'synced' || this.book === undefined) return undefined
    return this.source === undefined ? undefined : { book: this.book, replicaId: this.source }
  }

  /** Drops the current book and loads a snapshot from the current replica. */
  resync(): void {
    if (this.stopped) return
    clearTimeout(this.retry)
    this.retry = undefined
    this.loading?.abort()
    const controller = new AbortController()
    this.loading = controller
    this.buffer = []
    this.overflowed = false
    this.patch({ status: this.book === undefined ? 'loading' : 'resyncing' })
    const replica = this.replicaOf()
    if (replica === undefined) return
    replicaApi
      .orderbook(replica, this.market, this.depth, controller.signal)
      .then((snapshot) => {
        if (this.loading !== controller) return
        this.loading = undefined
        if (this.overflowed) return this.gap()
        const book = orderbookFromSnapshot(snapshot, this.depth)
        for (const delta of this.buffer) {
          if (applyBookDelta(book, delta).kind === 'gap') return this.gap()
        }
        this.buffer = []
        this.failures = 0
        this.book = book
        this.source = replica.id
        this.bookChanged = true
        this.patch({ status: 'synced' }, true)
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
    if (this.view.status !== 'synced' || this.book === undefined) {
      // Only a load in flight needs them; the next resync starts from an empty buffer anyway.
      if (this.loading === undefined || this.overflowed) return
      if (this.buffer.length < bufferedDeltasMax) this.buffer.push(delta)
      else {
        this.buffer = []
        this.overflowed = true
      }
      return
    }
    const result = applyBookDelta(this.book, delta)
    if (result.kind === 'gap') this.gap()
    else if (result.kind === 'applied') {
      const side = delta.side === 'buy' ? 'bids' : 'asks'
      const cut = this.book.horizon[side] !== undefined
      if (cut && knownLevels(this.book, side) < knownLevelsMin) return this.resync()
      this.bookChanged = true
      this.schedule()
    }
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
    if (now && !this.stopped) return this.notify()
    this.schedule()
  }

  /** Publishes the view in `publishGapMs` (or at the batch's end, `flush`), once. */
  private schedule(): void {
    if (this.stopped) return
    this.frame ??= setTimeout(() => this.notify(), publishGapMs)
  }

  private notify(): void {
    clearTimeout(this.frame)
    this.frame = undefined
    this.publishedAt = performance.now()
    for (const listener of this.listeners) listener()
  }
}
