import type { Anomaly } from './checker.ts'
import type { HistoryRecord } from './history.ts'

/*
 * The `corrupt` fault in the history: a replica's database was edited while it was stopped, so
 * after its restart it signs roots and balances of a state nobody else has. It must find itself
 * diverged (`/status` names `diverged`, or `healed` once it healed) and heal by state sync
 * (`diverged` goes). What it said
 * from the corruption to its heal is a detection, not an anomaly, when it did say it diverged.
 */

/** One corruption and what the replica's own port (`/status`, direct) showed after it, ms. */
export interface CorruptionWindow {
  readonly replicaId: string
  readonly corruptedAtMs: number
  /** The first `/status` naming `diverged` after the corruption. */
  readonly divergedAtMs?: number
  /** The first `/status` without `diverged` after that: healed. */
  readonly healedAtMs?: number
}

/**
 * Every corruption of the history with the times its replica said it diverged and healed, from
 * the `/status` reads on the replicas' own ports (the mesh's may be rewritten by a liar). A later
 * corruption of the same replica ends the window of the one before.
 */
export function corruptionWindows(records: readonly HistoryRecord[]): CorruptionWindow[] {
  const corruptions = records.filter((record) => record.kind === 'corruption')
  return corruptions.map((corruption) => {
    const next = corruptions.find(
      (other) => other.replicaId === corruption.replicaId && other.atMs > corruption.atMs,
    )
    const endMs = next?.atMs ?? Infinity
    const statuses = records
      .filter(
        (record) =>
          record.kind === 'status' &&
          record.via === 'direct' &&
          record.status.replicaId === corruption.replicaId &&
          record.atMs > corruption.atMs &&
          record.atMs < endMs,
      )
      .map((record) => record as Extract<HistoryRecord, { kind: 'status' }>)
      .sort((a, b) => a.atMs - b.atMs)
    // A heal can be quicker than the reads (a small state syncs in a fraction of a second): a
    // status that names a healed divergence says it diverged, and healed, by then. Each start
    // of the process forgets it, and the corruption restarted it.
    const diverged = statuses.find(
      (record) => record.status.diverged !== undefined || record.status.healed !== undefined,
    )
    const healed =
      diverged &&
      statuses.find(
        (record) => record.atMs >= diverged.atMs && record.status.diverged === undefined,
      )
    return {
      replicaId: corruption.replicaId,
      corruptedAtMs: corruption.atMs,
      ...(diverged === undefined ? {} : { divergedAtMs: diverged.atMs }),
      ...(healed === undefined ? {} : { healedAtMs: healed.atMs }),
    }
  })
}

/**
 * Whether what `replicaId` said at `atMs` came from a corrupted state it then found diverged:
 * from the corruption to its heal (to the end of the run if it never healed, which is an
 * anomaly of its own).
 */
export function isFromFoundCorruption(
  windows: readonly CorruptionWindow[],
  replicaId: string,
  atMs: number,
): boolean {
  return windows.some(
    (window) =>
      window.replicaId === replicaId &&
      window.divergedAtMs !== undefined &&
      atMs >= window.corruptedAtMs &&
      atMs <= (window.healedAtMs ?? Infinity),
  )
}

/**
 * A corrupted replica that never said it diverged, or never healed before the run's statuses
 * end (the nemesis waits for the heal, and a fault ends 4 s before the run: the grace), is an
 * anomaly. The facts: how many corruptions, found, healed, and the slowest of each.
 */
export function judgeCorruptions(windows: readonly CorruptionWindow[]): {
  anomalies: Anomaly[]
  facts: Record<string, number>
} {
  const anomalies: Anomaly[] = []
  if (windows.length === 0) return { anomalies, facts: {} }
  for (const window of windows) {
    const at = `${window.replicaId} corrupted at ${window.corruptedAtMs} ms`
    if (window.divergedAtMs === undefined) {
      anomalies.push({ kind: 'corruption_not_found_diverged', detail: `${at}: never diverged` })
    } else if (window.healedAtMs === undefined) {
      const detail = `${at}: diverged at ${window.divergedAtMs} ms, never healed`
      anomalies.push({ kind: 'corruption_not_healed', detail })
    }
  }
  const found = windows.filter((window) => window.divergedAtMs !== undefined)
  const healed = found.filter((window) => window.healedAtMs !== undefined)
  const facts: Record<string, number> = {
    corruptions: windows.length,
    'corruptions found diverged': found.length,
    'corruptions healed': healed.length,
  }
  if (found.length > 0) {
    facts['max ms corruption -> diverged'] = Math.max(
      ...found.map((window) => window.divergedAtMs! - window.corruptedAtMs),
    )
  }
  if (healed.length > 0) {
    facts['max ms corruption -> healed'] = Math.max(
      ...healed.map((window) => window.healedAtMs! - window.corruptedAtMs),
    )
  }
  return { anomalies, facts }
}
