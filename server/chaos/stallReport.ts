import type { HistoryRecord, NodeView, ProbeRecord } from './history.ts'

/*
 * Why nothing was applied between `fromMs` and `toMs`: the faults active then, what each node
 * said about itself (whom it followed, its finalized index at the start and the end, its slowest
 * answer) and the CPU each process used, from the history's probes (`clusterProbe.ts`). One
 * line each, for the run's summary.
 */

export function explainStall(
  records: readonly HistoryRecord[],
  fromMs: number,
  toMs: number,
): Record<string, string> {
  return {
    faults: faultsDuring(records, fromMs, toMs),
    nodes: nodesDuring(records, fromMs, toMs),
    cpu: cpuDuring(records, fromMs, toMs),
  }
}

/** Faults that overlapped the window, with their start and heal times (s). */
function faultsDuring(records: readonly HistoryRecord[], fromMs: number, toMs: number): string {
  const started = new Map<string, number>()
  const overlapping: string[] = []
  const seconds = (ms: number) => (ms / 1_000).toFixed(1)
  for (const record of records) {
    if (record.kind !== 'nemesis' || record.phase === 'note') continue
    const key = record.target // its description, e.g. `node-2 partition drop in`
    if (record.phase === 'start') started.set(key, record.atMs)
    else {
      const startMs = started.get(key) ?? 0
      started.delete(key)
      if (startMs < toMs && record.atMs > fromMs) {
        overlapping.push(`${key} ${seconds(startMs)}–${seconds(record.atMs)} s`)
      }
    }
  }
  for (const [key, startMs] of started) {
    if (startMs < toMs) overlapping.push(`${key} from ${seconds(startMs)} s`)
  }
  return overlapping.length === 0 ? 'none' : overlapping.join('; ')
}

function probesDuring(records: readonly HistoryRecord[], fromMs: number, toMs: number) {
  return records.filter(
    (record): record is ProbeRecord =>
      record.kind === 'probe' && record.atMs >= fromMs && record.atMs <= toMs,
  )
}

/** Per node: the sequencers it followed, finalized first → last, slowest answer, failures. */
function nodesDuring(records: readonly HistoryRecord[], fromMs: number, toMs: number): string {
  const probes = probesDuring(records, fromMs, toMs)
  if (probes.length === 0) return 'no probes'
  const count = probes[0]!.nodes.length
  const parts: string[] = []
  for (let position = 0; position < count; position++) {
    const views = probes.map((probe) => probe.nodes[position]!)
    const answered = views.filter(
      (view): view is Extract<NodeView, { sequencer: string }> => 'sequencer' in view,
    )
    const failed = views.length - answered.length
    const followed = [...new Set(answered.map((view) => view.sequencer))].join('/')
    const finalized =
      answered.length === 0 ? '-' : `${answered[0]!.finalized}→${answered.at(-1)!.finalized}`
    const slowest = Math.max(0, ...views.map((view) => view.answerMs))
    parts.push(
      `node-${position + 1} follows ${followed || '-'}, finalized ${finalized}, slowest ${slowest} ms` +
        (failed > 0 ? `, ${failed}/${views.length} unanswered` : ''),
    )
  }
  return parts.join('; ')
}

/** CPU ms each process used in the window (nodes, then replicas), and the load seen. */
function cpuDuring(records: readonly HistoryRecord[], fromMs: number, toMs: number): string {
  const probes = probesDuring(records, fromMs, toMs)
  if (probes.length === 0) return 'no probes'
  const sum = (pick: (probe: ProbeRecord) => readonly (number | null)[], position: number) =>
    probes.reduce((total, probe) => total + (pick(probe)[position] ?? 0), 0)
  const nodes = probes[0]!.nodeCpuMs.map((_, position) => sum((p) => p.nodeCpuMs, position))
  const replicas = probes[0]!.replicaCpuMs.map((_, position) =>
    sum((p) => p.replicaCpuMs, position),
  )
  const loads = probes.map((probe) => probe.load)
  return (
    `nodes ${nodes.join('/')} ms, replicas ${replicas.join('/')} ms over ` +
    `${((toMs - fromMs) / 1_000).toFixed(1)} s; load ${Math.min(...loads)}–${Math.max(...loads)}`
  )
}
