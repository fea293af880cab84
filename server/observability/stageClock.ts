/**
 * The clock of the latency waterfall (`npm run bench:latency`): milliseconds, with microsecond
 * precision, on the machine's monotonic clock (CLOCK_MONOTONIC, which libuv's hrtime reads). It
 * is one clock for every process of a machine, so a stage stamped in a replica and the next one
 * stamped in a Zellular node compare directly, and one that happens after another in fact is
 * never stamped earlier (a wall clock can step back; each process's `performance.now()` has its
 * own origin). The stamps are observability only: nothing a replica applies ever reads them.
 */
export function stageNow(): number {
  return Number(process.hrtime.bigint() / 1_000n) / 1_000
}

/** Most stamped items a stage record keeps; the oldest are dropped first. */
export const STAGE_RECORD_MAX = 50_000

/**
 * Per map `setBounded` evicted from, an iterator standing just past what it evicted. V8 keeps a
 * deleted entry as a hole until it rebuilds the table, and a fresh `map.keys()` walks every hole
 * from the start: at the bound, each set then cost a walk of up to tens of thousands of holes.
 */
const evictionCursors = new WeakMap<Map<unknown, unknown>, Iterator<unknown>>()

/**
 * Sets `key` in `map`, dropping the oldest entries (insertion order) beyond `max`, so a record of
 * stamps stays bounded whatever the traffic. Amortized O(1): the walk to the oldest entry goes on
 * from where the last eviction stopped, since every entry before it is gone (evicted, or deleted
 * by the caller) and entries set later come after it.
 */
export function setBounded<key, value>(
  map: Map<key, value>,
  k: key,
  value: value,
  max: number,
): void {
  map.set(k, value)
  if (map.size <= max) return
  let cursor = evictionCursors.get(map as Map<unknown, unknown>) as Iterator<key> | undefined
  while (map.size > max) {
    let oldest = cursor?.next()
    if (oldest === undefined || oldest.done === true) {
      // A map's first eviction, or one after `clear()` ended the walk.
      cursor = map.keys()
      evictionCursors.set(map as Map<unknown, unknown>, cursor)
      oldest = cursor.next()
    }
    map.delete(oldest.value as key)
  }
}
