/**
 * A sliding-window budget in KB per key (zsequencer's `rate_limit.py`): the sum of costs charged
 * in the last `windowMs` may not pass `maxKb`.
 */
export class SlidingWindowLimiter {
  private readonly entries = new Map<string, { at: number; kb: number }[]>()

  constructor(
    private readonly maxKb: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  private live(key: string) {
    const cutoff = this.now() - this.windowMs
    const list = (this.entries.get(key) ?? []).filter((entry) => entry.at > cutoff)
    this.entries.set(key, list)
    return list
  }

  remainingKb(key: string): number {
    return this.maxKb - this.live(key).reduce((sum, entry) => sum + entry.kb, 0)
  }

  /** Charges `kb` if it fits and says whether it did. */
  tryCharge(key: string, kb: number): boolean {
    if (kb > this.remainingKb(key)) return false
    this.charge(key, kb)
    return true
  }

  charge(key: string, kb: number): void {
    if (kb > 0) this.live(key).push({ at: this.now(), kb })
  }
}

/** zsequencer's size unit: UTF-8 bytes / 1024. */
export function sizeKb(body: string): number {
  return Buffer.byteLength(body, 'utf8') / 1024
}
