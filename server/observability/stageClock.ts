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
 * Sets `key` in `map`, dropping the oldest entries (insertion order) beyond `max`, so a record of
 * stamps stays bounded whatever the traffic.
 */
export function setBounded<key, value>(
  map: Map<key, value>,
  k: key,
  value: value,
  max: number,
): void {
  map.set(k, value)
  if (map.size <= max) return
  for (const oldest of map.keys()) {
    map.delete(oldest)
    if (map.size <= max) return
  }
}
