import { BATCH_COST_MIN_BYTES } from '../../shared/zellular/index.ts'
/**
 * A sliding-window budget in KB per key (zsequencer's `rate_limit.py`): the sum of costs charged
 * in the last `windowMs` may not pass `maxKb`. Keys may be clients' addresses, so each call is
 * O(1) amortized and a key is forgotten once its charges leave the window: memory follows the
 * traffic of one window, not every client ever seen.
 */
export class SlidingWindowLimiter {
  /** Every charge still in the window, oldest first, for all keys (expired from `head`). */
  private charges: { at: number; key: string; kb: number }[] = []
  private head = 0
  /** Each key's charges in the window: their sum and how many. */
  private readonly totals = new Map<string, { kb: number; count: number }>()

  constructor(
    private readonly maxKb: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Keys with charges in the window. */
  get keys(): number {
    this.expire()
    return this.totals.size
  }

  remainingKb(key: string): number {
    this.expire()
    return this.maxKb - (this.totals.get(key)?.kb ?? 0)
  }

  /** Charges `kb` if it fits and says whether it did. */
  tryCharge(key: string, kb: number): boolean {
    if (kb > this.remainingKb(key)) return false
    this.charge(key, kb)
    return true
  }

  /** Milliseconds until `kb` fits `key`'s budget: 0 if it fits now, Infinity if it never can. */
  msUntilFits(key: string, kb: number): number {
    if (kb > this.maxKb) return Infinity
    let over = kb - this.remainingKb(key)
    if (over <= 0) return 0
    const { charges, windowMs } = this
    for (let i = this.head; i < charges.length; i++) {
      const charge = charges[i]!
      if (charge.key !== key) continue
      over -= charge.kb
      // A charge at `at` leaves the window once `at + windowMs` has come (`expire`).
      if (over <= 1e-9) return Math.max(1, charge.at + windowMs - this.now())
    }
    return Infinity
  }

  charge(key: string, kb: number): void {
    if (kb <= 0) return
    this.charges.push({ at: this.now(), key, kb })
    const total = this.totals.get(key)
    if (total) {
      total.kb += kb
      total.count++
    } else {
      this.totals.set(key, { kb, count: 1 })
    }
  }

  private expire(): void {
    const cutoff = this.now() - this.windowMs
    const { charges, totals } = this
    while (this.head < charges.length && charges[this.head]!.at <= cutoff) {
      const { key, kb } = charges[this.head++]!
      const total = totals.get(key)!
      total.kb -= kb
      if (--total.count === 0) totals.delete(key)
    }
    // Drop the expired part once it is most of the list: amortized O(1) per charge.
    if (this.head > 64 && this.head * 2 > charges.length) {
      this.charges = charges.slice(this.head)
      this.head = 0
    }
  }
}

/** What a batch costs beyond its UTF-8 bytes: its JSON framing in a request (`"…",`). */
export const BATCH_FRAMING_BYTES = 3

/**
 * What one batch costs in every byte budget of a node (rate limits, queue caps and shares, what
 * a follower takes for one PUT): its UTF-8 bytes and framing, at least `BATCH_COST_MIN_BYTES`.
 * The cap on one batch (`maxBatchSizeKb`) is on its bytes alone (`bodyKb`), as in zsequencer.
 */
export function batchCostBytes(body: string): number {
  return Math.max(BATCH_COST_MIN_BYTES, Buffer.byteLength(body, 'utf8') + BATCH_FRAMING_BYTES)
}

/** `batchCostBytes` in KB: the unit of the budgets (zsequencer's counts UTF-8 bytes / 1024). */
export function sizeKb(body: string): number {
  return batchCostBytes(body) / 1024
}

/** zsequencer's batch size: UTF-8 bytes / 1024, compared with `maxBatchSizeKb`. */
export function bodyKb(body: string): number {
  return Buffer.byteLength(body, 'utf8') / 1024
}

/**
 * The batch size limit (`maxBatchSizeKb`): a node takes no batch over it from a client, a
 * follower or its sequencer.
 */
export function isOversizeBatch(body: string, maxBatchSizeKb: number): boolean {
  return bodyKb(body) > maxBatchSizeKb
}
