/**
 * When each sequenced index arrived, until it is finalized: the "delayed batches" dispute trigger
 * (zsequencer `track_sequencing_indices` / `has_delayed_batches`, §8.5). Only the newest index of
 * each arrival is kept; finalizing an index forgets every arrival up to it.
 *
 * It also keeps when the sequencer last asked this node to sign: a batch left waiting while the
 * sequencer asks nothing is a second, earlier trigger (`isUnasked`); and when this node signed
 * each lock and finalization it has not seen applied: one left unapplied is a third
 * (`withheld`).
 */
export class FinalizationWatch {
  readonly #arrivals = new Map<string, { index: number; at: number }[]>()
  #askedAt = Number.NEGATIVE_INFINITY
  /** By app: the locks signed here and not yet seen, rising, each when first signed. */
  readonly #signedLocks = new Map<string, { index: number; at: number }[]>()
  /** By app: the finalizations signed here and not yet seen, likewise. */
  readonly #signedFinalizations = new Map<string, { index: number; at: number }[]>()

  /** At most this many signed locks and as many finalizations kept per app: the oldest decide. */
  static readonly MAX_SIGNED = 256

  constructor(
    private readonly borderMs: number,
    /** `signSilenceBorderOf(config)`; 0: off. */
    private readonly silenceBorderMs = 0,
  ) {}

  /** The current sequencer asked this node to sign a sync point (whatever the answer). */
  asked(now: number): void {
    this.#askedAt = now
  }

  /**
   * This node signed the lock (`sequenced`) or the finalization (`locked`) of `index` of `app`
   * for the current sequencer. Signed again (the sequencer proposes the same value once more),
   * it keeps its first time.
   */
  signed(app: string, state: 'sequenced' | 'locked', index: number, now: number): void {
    const byApp = state === 'sequenced' ? this.#signedLocks : this.#signedFinalizations
    const signed = byApp.get(app)
    if (!signed) byApp.set(app, [{ index, at: now }])
    else if (signed.length >= FinalizationWatch.MAX_SIGNED) return
    else if (index > (signed.at(-1)?.index ?? 0)) signed.push({ index, at: now })
  }

  /** Indexes `(from, to]` of `app` were just sequenced here. */
  sequenced(app: string, from: number, to: number, now: number): void {
    if (to <= from) return
    const arrivals = this.#arrivals.get(app)
    if (arrivals) arrivals.push({ index: to, at: now })
    else this.#arrivals.set(app, [{ index: to, at: now }])
  }

  /** Indexes up to `index` of `app` are locked. */
  locked(app: string, index: number): void {
    forgetUpTo(this.#signedLocks.get(app), index)
  }

  /** Indexes up to `index` of `app` are finalized (and so locked). */
  finalized(app: string, index: number): void {
    for (const byApp of [this.#arrivals, this.#signedLocks, this.#signedFinalizations]) {
      forgetUpTo(byApp.get(app), index)
    }
  }

  /** Indexes after `index` of `app` were dropped here: they will arrive again. */
  dropped(app: string, index: number): void {
    for (const byApp of [this.#arrivals, this.#signedLocks, this.#signedFinalizations]) {
      const entries = byApp.get(app)
      while (entries && entries.length > 0 && entries.at(-1)!.index > index) entries.pop()
    }
  }

  /** True when the oldest unfinalized sequenced batch has waited past the border. */
  isDelayed(now: number): boolean {
    return waitedPast(this.#arrivals, now - this.borderMs)
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
    return waitedPast(this.#arrivals, now - this.silenceBorderMs)
  }

  /**
   * Which sync point this node signed and has not seen applied past the silence border: a lock,
   * a finalization, or none. A sequencer that gathered it shows it to its followers at once (the
   * answers to their PUTs, the next sign request's proofs); one that keeps it asks them to sign
   * and, unlike a silent one, is otherwise replaced only at the finalization border. An honest
   * one that did not gather a threshold in time asks again at once (for the same finalization:
   * its signers are locked on it), so it is applied well within the border unless the signers'
   * answers keep coming too late: a sequencer whose links are that slow finalizes nothing, and
   * is replaced here too. A dispute needs peers holding half the threshold to see the same
   * (`handleDispute`).
   */
  withheld(now: number): 'lock' | 'finalization' | undefined {
    if (this.silenceBorderMs === 0) return undefined
    const before = now - this.silenceBorderMs
    if (waitedPast(this.#signedLocks, before)) return 'lock'
    if (waitedPast(this.#signedFinalizations, before)) return 'finalization'
    return undefined
  }

  /** A new sequencer: what the old one kept waiting says nothing about the new one. */
  clear(): void {
    this.#arrivals.clear()
    this.#signedLocks.clear()
    this.#signedFinalizations.clear()
    this.#askedAt = Number.NEGATIVE_INFINITY
  }
}

/** Drops the entries up to `index` from the front of a rising list. */
function forgetUpTo(entries: { index: number }[] | undefined, index: number): void {
  while (entries && entries.length > 0 && entries[0]!.index <= index) entries.shift()
}

/** Whether the oldest entry of any app's list (rising, each with its time) came before `before`. */
function waitedPast(
  byApp: ReadonlyMap<string, readonly { at: number }[]>,
  before: number,
): boolean {
  for (const entries of byApp.values()) {
    const oldest = entries[0]
    if (oldest && oldest.at < before) return true
  }
  return false
}
