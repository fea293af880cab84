import type { BookEvent } from '../../../shared/api/index.ts'
import { applyBookDelta, orderbookFromSnapshot, type OrderbookState } from './orderbookState.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'

export type OrderbookSyncStatus = 'loading' | 'synced' | 'resyncing' | 'error'

export interface OrderbookView {
  readonly status: OrderbookSyncStatus
  readonly book: OrderbookState | undefined
  /** How many times a `seq` gap forced a refetch (shown in the indicator's tooltip). */
  readonly gaps: number
}

/**
 * Keeps one market's book in step with a replica: a `GET /orderbook` snapshot, then SSE deltas
 * on top. Deltas that arrive while a snapshot is loading are buffered and replayed after it; a
 * `seq` gap triggers a new snapshot. Views are published at most every 50 ms (timers, not
 * animation frames, so background tabs stay current).
 */
export class OrderbookSync {
  private view: OrderbookView = { status: 'loading', book: undefined, gaps: 0 }
  private buffer: BookEvent[] = []
  private loading: AbortController | undefined
  private readonly listeners = new Set<() => void>()
  private frame: ReturnType<typeof setTimeout> | undefined

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
        this.patch({ status: 'synced', book }, true)
      })
      .catch(() => {
        if (this.loading !== controller) return
        this.loading = undefined
        this.patch({ status: 'error' }, true)
        setTimeout(() => {
          if (this.view.status === 'error') this.resync()
        }, 1500)
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

  stop(): void {
    this.loading?.abort()
    clearTimeout(this.frame)
  }

  private gap(): void {
    this.view = { ...this.view, gaps: this.view.gaps + 1 }
    this.resync()
  }

  private patch(patch: Partial<OrderbookView>, now = false): void {
    this.view = { ...this.view, ...patch }
    if (now) return this.notify()
    this.frame ??= setTimeout(() => this.notify(), 50)
  }

  private notify(): void {
    clearTimeout(this.frame)
    this.frame = undefined
    for (const listener of this.listeners) listener()
  }
}
