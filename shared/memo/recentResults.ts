/**
 * The results of a pure computation for the last `capacity` distinct keys; the oldest key goes
 * first when it is full (a Map iterates in insertion order). Only for functions whose answer for
 * a key never changes, so a remembered answer is the answer.
 *
 * @example
 * const hashes = new RecentResults<string, Point>(256)
 * const point = hashes.getOrCompute(message, () => hashToCurve(message))
 */
export class RecentResults<Key, Value> {
  private readonly results = new Map<Key, Value>()
  /** Lookups answered from memory so far. */
  hits = 0

  constructor(
    private readonly capacity: number,
    /** Told of each value dropped to make room (one holding memory outside the JS heap). */
    private readonly onEvict: (value: Value) => void = () => {},
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity ≥ 1')
  }

  getOrCompute(key: Key, compute: () => Value): Value {
    if (this.results.has(key)) {
      this.hits += 1
      return this.results.get(key) as Value
    }
    const value = compute()
    this.remember(key, value)
    return value
  }

  /** The remembered result for `key`, or undefined (for callers that compute many at once). */
  find(key: Key): Value | undefined {
    const value = this.results.get(key)
    if (value !== undefined) this.hits += 1
    return value
  }

  remember(key: Key, value: Value): void {
    if (this.results.has(key)) return
    if (this.results.size >= this.capacity) {
      const [oldest, dropped] = this.results.entries().next().value!
      this.results.delete(oldest)
      this.onEvict(dropped)
    }
    this.results.set(key, value)
  }
}
