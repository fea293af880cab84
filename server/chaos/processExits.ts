import type { Anomaly } from './checker.ts'
import type { ExitRecord, HistoryRecord } from './history.ts'

/*
 * Processes that ended without the harness ending them (`exit` records). The fault model lets
 * one node and one replica be faulty at a time; a process that is gone outside a fault is one
 * more faulty process than that, so every other check of the run may fail for its sake. The
 * checker names it, when and how, so that is the first thing a reader sees.
 */

/**
 * Faults under which a process may end by itself (an exit code, never a signal), by the kind
 * of process: a Byzantine node may do anything, crashing included; a full disk halts a replica,
 * which exits; a state sync (a wipe's, a corrupted replica's heal) may exit until a quorum root
 * matches a snapshot. A node on a full disk does not end: it refuses what it cannot store.
 */
const FAULTS_THAT_MAY_END_A_PROCESS = {
  node: new Set(['byzantine']),
  replica: new Set(['disk-full', 'wipe', 'corrupt']),
} as const

/**
 * Each exit of the history is explained by a fault that held its process then and may end it,
 * or is an anomaly (`process_exited`) naming the process, the time and the exit code or signal.
 */
export function judgeExits(records: readonly HistoryRecord[]): {
  anomalies: Anomaly[]
  facts: Record<string, number>
} {
  const anomalies: Anomaly[] = []
  let explained = 0
  // The fault holding each process at this point of the history, if any: its target and kind.
  const holding = new Map<string, { target: string; fault: string }>()
  const inTime = records
    .filter((record) => record.kind === 'nemesis' || record.kind === 'exit')
    .sort((a, b) => a.atMs - b.atMs)
  for (const record of inTime) {
    if (record.kind === 'nemesis' && record.phase === 'start') {
      holding.set(record.process, { target: record.target, fault: record.fault })
    } else if (record.kind === 'nemesis' && record.phase === 'heal') {
      holding.delete(record.process)
    } else if (record.kind === 'exit') {
      const held = holding.get(record.process)
      const kind = record.process.startsWith('node-') ? 'node' : 'replica'
      if (record.signal === null && held && FAULTS_THAT_MAY_END_A_PROCESS[kind].has(held.fault)) {
        explained += 1
        continue
      }
      const when =
        held === undefined
          ? 'while no fault held it'
          : `during ${held.target}, which does not end it`
      anomalies.push({ kind: 'process_exited', detail: `${describeExit(record)} ${when}` })
    }
  }
  const facts: Record<string, number> = {}
  if (anomalies.length > 0) facts['processes exited unexpectedly'] = anomalies.length
  if (explained > 0) facts['processes exited during a fault that may end them'] = explained
  return { anomalies, facts }
}

/** E.g. `replica-1 exited at 12.1 s (SIGHUP)`. */
export function describeExit(record: ExitRecord): string {
  const how = record.signal ?? `code ${record.code}`
  return `${record.process} exited at ${(record.atMs / 1_000).toFixed(1)} s (${how})`
}
