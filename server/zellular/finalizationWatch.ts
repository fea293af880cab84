/**
 * When each sequenced index arrived, until it is finalized: the "delayed batches" dispute trigger
 * (zsequencer `track_sequencing_indices` / `has_delayed_batches`, §8.5). Only the newest index of
 * each arrival is kept; finalizing an index forgets every arrival up to it.
 *
 * It also keeps when the sequencer last asked this node to sign: a batch left waiting while the
 * sequencer asks nothing is a second, earlier trigger (`isUnasked`).
 */
export class FinalizationWatch {
  readonly #arrivals = new Map<string, { index: number; at: number }[]>()
  #askedAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly borderMs: number,
    /** `signSilenceBorderOf(config)`; 0: off. */
    private readonly silenceBorderMs = 0,
  ) {}

  /** The current sequencer asked this node to sign a sync point (whatever the answer). */
  asked(now: number): void {
    this.#askedAt = now
  }

  /** Indexes `(from, to]` of `app` were just sequenced here. */
  sequenced(app: string, from: number, to: number, now: number): void {
    if (to <= from) return
    const arrivals = this.#arrivals.get(app)
    if (arrivals) arrivals.push({ index: to, at: now })
    else this.#arrivals.set(app, [{ index: to, at: now }])
  }

  /** Indexes up to `index` of `app` are finalized. */
  finalized(app: string, index: number): void {
    const arrivals = this.#arrivals.get(app)
    while (arrivals && arrivals.length > 0 && arrivals[0]!.index <= index) arrivals.shift()
  }

  /** Indexes after `index` of `app` were dropped here: they will arrive again. */
  dropped(app: string, index: number): void {
    const arrivals = this.#arrivals.get(app)
    while (arrivals && arrivals.length > 0 && arrivals.at(-1)!.index > index) arrivals.pop()
  }

  /** True when the oldest unfinalized sequenced batch has waited past the border. */
  isDelayed(now: number): boolean {
    for (const arrivals of this.#arrivals.values()) {
      const oldest = arrivals[0]
      if (oldest && now - oldest.at > this.borderMs) return true
    }
    return false
  }

  /**
   * True when the oldest unfinalized sequenced batch has waited past the silence border and the
   * sequencer has asked this node to sign nothing in that time. A live sequencer asks a party
   * for every point it can lock or finalize, and this node is in it unless the others suffice,
   * in which case the batches get finalized; one that answers PUTs and asks nothing cannot reach
   * the followers, or will not gather their signatures.
   */
  isUnasked(now: number): boolean {
    if (this.silenceBorderMs === 0 || now - this.#askedAt <= this.silenceBorderMs) return false
    for (const arrivals of this.#arrivals.values()) {
      const oldest = arrivals[0]
      if (oldest && now - oldest.at > this.silenceBorderMs) return true
    }
    return false
  }

  /** A new sequencer: what the old one kept waiting says nothing about the new one. */
  clear(): void {
    this.#arrivals.clear()
    this.#askedAt = Number.NEGATIVE_INFINITY
  }
}
