import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initKeccak } from '../../shared/intents/index.ts'
import { GENESIS_PER_ACCOUNT, startChaosCluster, type UnexpectedExit } from './chaosCluster.ts'
import { DEFAULT_BASE_PORT } from './chaosPorts.ts'
import { describeExit } from './processExits.ts'
import { probeCluster } from './clusterProbe.ts'
import { checkHistory, type Anomaly, type Detection } from './checker.ts'
import { History } from './history.ts'
import {
  Nemesis,
  NODE_FAULT_KINDS,
  planFaults,
  REPLICA_FAULT_KINDS,
  describeFault,
  type NodeFaultKind,
  type ReplicaFaultKind,
} from './nemesis.ts'
import { createRandom } from './random.ts'
import { explainStall } from './stallReport.ts'
import { runWorkload } from './workload.ts'

/** Options of `runChaos`. */
export interface ChaosOptions {
  readonly seed: number
  /** How long the workload and the nemesis run, s. */
  readonly seconds: number
  /** Workload operations per second. */
  readonly rate?: number
  readonly accounts?: number
  /** Fault kinds to draw from (default all); empty lists run without a nemesis. */
  readonly nodeFaults?: readonly NodeFaultKind[]
  readonly replicaFaults?: readonly ReplicaFaultKind[]
  /** Folder for the run, new or empty (default a new temporary one). */
  readonly dir?: string
  /** Ports from here (`chaosPorts.ts`; default 19000, below the ephemeral range). */
  readonly basePort?: number
  /** Every process in a session of its own (`ChaosClusterOptions.ownSession`). */
  readonly ownSession?: boolean
  readonly log?: (line: string) => void
}

export interface ChaosResult {
  readonly seed: number
  readonly dir: string
  readonly historyFile: string
  readonly anomalies: Anomaly[]
  readonly detections: Detection[]
  readonly summary: Record<string, string | number>
}

/**
 * One Jepsen-style run: starts the cluster behind the mesh, runs the workload and the nemesis
 * together for `seconds`, heals everything, checks the history and summarizes it.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {})
  await initKeccak()
  if (options.dir !== undefined && existsSync(options.dir) && readdirSync(options.dir).length > 0) {
    // An earlier run's keys and databases would join this one, and its anomalies be theirs.
    throw new Error(`${options.dir} is not empty: a chaos run needs a new directory`)
  }
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'chaos-'))
  const random = createRandom(options.seed)
  const planRandom = random.fork()
  const workloadRandom = random.fork()
  const liarRandom = random.fork()
  const durationMs = options.seconds * 1_000
  const rate = options.rate ?? 20
  const kinds = {
    node: options.nodeFaults ?? NODE_FAULT_KINDS,
    replica: options.replicaFaults ?? REPLICA_FAULT_KINDS,
  }
  const plan = planFaults(planRandom, durationMs, kinds)
  log(
    `chaos: seed ${options.seed}, ${options.seconds} s, ${rate} ops/s, ${plan.length} faults planned, in ${dir}`,
  )
  // Exits seen before the history exists (the cluster is up before its header can name the
  // faults) wait here for it.
  let history: History | undefined
  const earlyExits: UnexpectedExit[] = []
  const recordExit = (exit: UnexpectedExit) => {
    const { process, pid, code, signal } = exit
    const record = {
      kind: 'exit',
      atMs: exit.atWallMs - history!.startedAtMs,
      process,
      pid,
      code,
      signal,
    } as const
    history!.add(record)
    log(`chaos: ${describeExit(record)}, not ended by the harness`)
  }
  const cluster = await startChaosCluster({
    dir,
    basePort: options.basePort ?? DEFAULT_BASE_PORT,
    accounts: options.accounts ?? 16,
    ownSession: options.ownSession === true,
    onUnexpectedExit: (exit) => (history === undefined ? earlyExits.push(exit) : recordExit(exit)),
  })
  try {
    const historyFile = join(dir, 'history.jsonl')
    history = new History(historyFile, {
      seed: options.seed,
      seconds: options.seconds,
      rate,
      plan: plan.map((fault) => ({ ...fault, description: describeFault(cluster, fault) })),
    })
    for (const exit of earlyExits.splice(0)) recordExit(exit)
    const nemesis = new Nemesis(cluster, history, liarRandom)
    log('chaos: cluster up; workload and nemesis running')
    await Promise.all([
      runWorkload({
        history,
        random: workloadRandom,
        replicaUrls: cluster.clientUrls,
        directUrls: cluster.directUrls,
        registry: cluster.prepared.registry,
        tokens: cluster.tokens,
        accounts: cluster.accounts,
        issuer: cluster.issuer,
        ratePerSecond: rate,
        durationMs,
        activeFaults: () => nemesis.activeFaults(),
      }),
      nemesis.run(plan, history.now() + durationMs),
      probeCluster(cluster, history, history.now() + durationMs),
    ])
    await nemesis.healAll()
    const workloadEndMs = history.now()
    log('chaos: healed; checking')
    const check = await checkHistory({
      history,
      directUrls: cluster.directUrls,
      registry: cluster.prepared.registry,
      tokens: cluster.tokens,
      accounts: cluster.accounts.map((account) => account.address),
      issuer: cluster.issuer.address,
      genesisPerAccount: GENESIS_PER_ACCOUNT,
      toldLies: nemesis.lies,
    })
    const faults = { planned: plan.length, injected: nemesis.injected }
    const summary = summarize(history, check, faults, workloadEndMs)
    await history.close({ summary, anomalies: check.anomalies, detections: check.detections })
    return {
      seed: options.seed,
      dir,
      historyFile,
      anomalies: check.anomalies,
      detections: check.detections,
      summary,
    }
  } finally {
    await cluster.stop()
  }
}

function summarize(
  history: History,
  check: Awaited<ReturnType<typeof checkHistory>>,
  faults: { readonly planned: number; readonly injected: ReadonlyMap<string, number> },
  workloadEndMs: number,
): Record<string, string | number> {
  const summary: Record<string, string | number> = {}
  const submits = history.of('submit')
  const count = (key: string) => (summary[key] = ((summary[key] as number | undefined) ?? 0) + 1)
  for (const record of submits) count(`submit ${record.outcome}`)
  for (const record of submits) count(`submit ${record.action} ${record.outcome}`)
  for (const record of history.of('read')) count(`balance read ${record.ok ? 'ok' : 'failed'}`)
  for (const record of history.of('aggregate'))
    count(`aggregate read ${record.ok ? 'ok' : 'failed'}`)
  summary['book reads'] = history.of('book').length
  const acks = submits.filter((record) => record.outcome === 'ack').length
  summary['share acknowledged'] = submits.length === 0 ? 0 : round(acks / submits.length)
  // A track whose restarts ran long skips the faults that would no longer heal before the end.
  const injected = [...faults.injected.values()].reduce((sum, times) => sum + times, 0)
  summary['faults planned'] = faults.planned
  summary['faults injected'] = injected
  summary['faults skipped (their track fell behind the plan)'] = faults.planned - injected
  for (const [kind, times] of faults.injected) summary[`fault ${kind}`] = times
  summary['anomalies'] = check.anomalies.length
  // Said apart from the anomalies they may cause: a process down outside the fault model.
  const exits = history.of('exit')
  summary['processes not ended by the harness'] =
    exits.length === 0 ? 'none' : exits.map(describeExit).join('; ')
  summary['expected detections (lies caught, corrupted replicas until healed)'] =
    check.detections.length
  Object.assign(summary, check.facts)

  // The applied-index timeline (replicas' own ports): when each index was first applied anywhere.
  const timeline = history
    .of('status')
    .filter((record) => record.via === 'direct')
    .sort((a, b) => a.atMs - b.atMs)
  const firstSeen: { index: number; atMs: number }[] = []
  for (const record of timeline) {
    if (record.status.appliedIndex > (firstSeen.at(-1)?.index ?? -1)) {
      firstSeen.push({ index: record.status.appliedIndex, atMs: record.atMs })
    }
  }
  const appliedAt = (index: number) => firstSeen.find((entry) => entry.index >= index)?.atMs
  const latencies = { withFaults: [] as number[], withoutFaults: [] as number[] }
  for (const record of submits) {
    const receipt = check.receipts.get(record.intentId)
    if (record.outcome !== 'ack' || receipt?.batchIndex === undefined) continue
    const atMs = appliedAt(receipt.batchIndex)
    if (atMs === undefined) continue
    const latency = Math.max(0, atMs - record.startMs)
    ;(record.faults.length > 0 ? latencies.withFaults : latencies.withoutFaults).push(latency)
  }
  summary['p50 submit->applied ms, no fault active'] = percentile(latencies.withoutFaults, 0.5)
  summary['p99 submit->applied ms, no fault active'] = percentile(latencies.withoutFaults, 0.99)
  summary['p50 submit->applied ms, a fault active'] = percentile(latencies.withFaults, 0.5)
  summary['p99 submit->applied ms, a fault active'] = percentile(latencies.withFaults, 0.99)
  let longest = 0
  let longestAt = 0
  const during = firstSeen.filter((entry) => entry.atMs <= workloadEndMs)
  for (let i = 1; i < during.length; i++) {
    const gap = during[i]!.atMs - during[i - 1]!.atMs
    if (gap > longest) [longest, longestAt] = [gap, during[i - 1]!.atMs]
  }
  const cpu = process.cpuUsage()
  summary['harness CPU s (workload, mesh, checker)'] = round((cpu.user + cpu.system) / 1e6)
  summary['longest window with no intent applied ms'] = longest
  summary['  ... starting at ms'] = longestAt
  for (const [key, value] of Object.entries(
    explainStall(history.records, longestAt, longestAt + longest),
  )) {
    summary[`  ... ${key}`] = value
  }
  return summary
}

function percentile(values: readonly number[], p: number): number | string {
  if (values.length === 0) return '-'
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

function round(value: number): number {
  return Math.round(value * 1_000) / 1_000
}
