/**
 * The latency waterfall of `bench:latency`, from the stamps the processes keep: each intent's
 * timeline through the stages, checks that a timeline is complete and in order, and the p50/p99
 * of each stage. Pure: the I/O is in `latency.ts`.
 */
import { percentile } from './report.ts'

/** The stages of an intent in order; the last four are reached on each replica. */
export const STAGES = [
  'sent', // the load generator POSTs it
  'received', // the replica's route has the request
  'batched', // the replica posts the Zellular batch holding it
  'accepted', // a Zellular node takes that batch from the replica
  'sequenced', // the sequencer gives the batch its index
  'locked', // the sequencer applies a lock proof covering it
  'finalized', // the sequencer applies a finalization proof covering it
  'read', // the replica's SDK hands the verified batch over
  'applied', // the replica committed the batch
  'eventSent', // the replica hands its events to the SSE streams
  'seen', // the load generator has the receipt from the replica's SSE stream
] as const
export type Stage = (typeof STAGES)[number]

/** Stages reached once per replica. */
const PER_REPLICA: readonly Stage[] = ['read', 'applied', 'eventSent', 'seen']

/** One intent's stamps (`stageNow` ms); the per-replica stages hold one stamp per replica. */
export interface IntentTimeline {
  readonly id: string
  index?: number
  sent?: number
  received?: number
  batched?: number
  accepted?: number
  sequenced?: number
  locked?: number
  finalized?: number
  read: (number | undefined)[]
  applied: (number | undefined)[]
  eventSent: (number | undefined)[]
  seen: (number | undefined)[]
}

export function emptyTimeline(id: string, replicas: number): IntentTimeline {
  const none = () => Array.from({ length: replicas }, () => undefined)
  return { id, read: none(), applied: none(), eventSent: none(), seen: none() }
}

/**
 * The timeline's stamp of each stage, the per-replica ones taken on the slowest replica (the
 * time the stage was reached on every replica); undefined where a stamp is missing.
 */
export function stageTimes(timeline: IntentTimeline): (number | undefined)[] {
  return STAGES.map((stage) => {
    if (!PER_REPLICA.includes(stage)) return timeline[stage as 'sent']
    const stamps = timeline[stage as 'read']
    if (stamps.some((stamp) => stamp === undefined)) return undefined
    return Math.max(...(stamps as number[]))
  })
}

/**
 * What is wrong with a timeline: stages with no stamp, and stages stamped before the one before
 * them (checked along each replica's own path too). Empty when complete and in order.
 */
export function timelineProblems(timeline: IntentTimeline): string[] {
  const problems: string[] = []
  const paths: (number | undefined)[][] = timeline.read.map((_, replica) =>
    STAGES.map((stage) =>
      PER_REPLICA.includes(stage) ? timeline[stage as 'read'][replica] : timeline[stage as 'sent'],
    ),
  )
  paths.forEach((path, replica) => {
    path.forEach((stamp, position) => {
      const stage = STAGES[position]!
      const perReplica = PER_REPLICA.includes(stage)
      // Stages before the replicas' share one stamp: checked once, on the first path.
      if (!perReplica && replica > 0) return
      const where = perReplica ? `${stage} on replica ${replica + 1}` : stage
      if (stamp === undefined) return void problems.push(`no ${where}`)
      const before = path[position - 1]
      if (before !== undefined && stamp < before) {
        problems.push(`${where} ${(before - stamp).toFixed(3)} ms before ${STAGES[position - 1]}`)
      }
    })
  })
  return problems
}

/** p50 and p99 of one stage (time from the previous stage), in ms. */
export interface StageFigures {
  readonly stage: Stage
  readonly p50: number
  readonly p99: number
}

export interface Waterfall {
  readonly intents: number
  readonly stages: readonly StageFigures[]
  /** Sent → seen on every replica. */
  readonly endToEnd: { readonly p50: number; readonly p99: number }
  /**
   * The stage with the largest mean share of the intents around the median (p45–p55) and of
   * the slowest 1 %: where the p50 and the p99 go.
   */
  readonly holdsP50: { readonly stage: Stage; readonly ms: number }
  readonly holdsP99: { readonly stage: Stage; readonly ms: number }
}

/** The waterfall of the complete timelines (incomplete ones are left out: check them first). */
export function buildWaterfall(timelines: readonly IntentTimeline[]): Waterfall {
  const rows = timelines
    .map(stageTimes)
    .filter((times): times is number[] => times.every((time) => time !== undefined))
  const deltas = rows.map((times) => times.slice(1).map((time, i) => time - times[i]!))
  const stages = STAGES.slice(1).map((stage, i) => {
    const sorted = deltas.map((row) => row[i]!).sort((a, b) => a - b)
    return { stage, p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) }
  })
  const total = (row: number[]) => row.reduce((sum, delta) => sum + delta, 0)
  const byTotal = [...deltas].sort((a, b) => total(a) - total(b))
  const totals = byTotal.map(total)
  const slice = (from: number, to: number) =>
    byTotal.slice(Math.floor(from * byTotal.length), Math.max(1, Math.ceil(to * byTotal.length)))
  return {
    intents: rows.length,
    stages,
    endToEnd: { p50: round(percentile(totals, 50)), p99: round(percentile(totals, 99)) },
    holdsP50: largestStage(slice(0.45, 0.55)),
    holdsP99: largestStage(slice(0.99, 1)),
  }
}

function largestStage(rows: readonly number[][]): { stage: Stage; ms: number } {
  let best = { stage: STAGES[1] as Stage, ms: Number.NEGATIVE_INFINITY }
  STAGES.slice(1).forEach((stage, i) => {
    const mean = rows.reduce((sum, row) => sum + row[i]!, 0) / Math.max(1, rows.length)
    if (mean > best.ms) best = { stage, ms: round(mean) }
  })
  return best
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
