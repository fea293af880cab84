/**
 * Latency waterfall (`npm run bench:latency`): 4 Zellular node processes and 3 replica processes
 * on loopback (the cluster of `bench:replica` phase B, `clusterLoad.ts`), signed transfers POSTed
 * at a few fixed rates, and every intent timed through each stage, from the stamps the processes
 * keep (`GET /debug/stages` of the replicas, `GET /debug/{app}/stages` of the nodes, one
 * machine-wide monotonic clock): sent → received by a replica → put into a Zellular batch →
 * accepted by a node → sequenced → locked → finalized → read by each replica → applied and
 * committed → event sent → seen by the client. Prints p50/p99 of each stage per rate, which
 * stage holds the p50 and the p99, the CPU time per transfer of each process (from
 * /proc/<pid>/stat) and of the 7 system processes together, the BLS pairing checks per
 * transfer of each node and replica (`GET /debug/pairing-checks`), and the requests each
 * answered per transfer, with the most frequent routes of the nodes and of the replicas
 * (`GET /debug/requests`).
 *
 *   npm run bench:latency                                   # 50, 200 and 1000 tx/s, 10 s each
 *   npm run bench:latency -- --rates=200 --seconds=20
 *   npm run bench:latency -- --smoke                        # seconds, for a quick check
 *   npm run bench:latency -- --compare                      # old path, then the new one
 *   npm run bench:latency -- --compare --old-zellular-env=ZSEQUENCER_PIPELINE_ROUNDS=0
 *   npm run bench:latency -- --zellular-env=ZSEQUENCER_NODE_LOOP_INTERVAL=0.02
 *   npm run bench:latency -- --replica-env=ZELLULAR_POLL_INTERVAL_MS=50
 *   npm run bench:latency -- --rates=5 '--zellular-env=SERVICE_NODE_FLAGS=--cpu-prof
 *     --cpu-prof-dir=/tmp/prof'                             # a CPU profile of each node
 *
 * NOTE: the SUMMARY block and JSON line are printed by `printSummary` of `bench/report.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { initKeccak } from '../shared/intents/index.ts'
import { initZellular } from '../shared/zellular/index.ts'
import type { EventLoopReading } from '../server/eventLoopWatch.ts'
import {
  call,
  drained,
  processRoles,
  sendAtRate,
  startBenchCluster,
  type RateRun,
} from './clusterLoad.ts'
import {
  buildWaterfall,
  emptyTimeline,
  timelineProblems,
  type IntentTimeline,
  type Waterfall,
} from './latencyWaterfall.ts'
import { startCpuAccounting } from './processCpu.ts'
import { benchAccounts, transferRounds } from './replicaApply.ts'
import { environmentConfig, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

const args = new BenchArguments(process.argv.slice(2))
const smoke = args.smoke
const rates = args.numbers('rates', smoke ? [50] : [50, 200, 1000])
if (!rates.every((rate) => rate > 0)) throw new RangeError('--rates takes rates above 0')
const parameters = {
  seconds: args.number('seconds', smoke ? 2 : 10),
  warmupSeconds: args.number('warmup-seconds', smoke ? 1 : 2),
  zellularBasePort: args.number('zellular-port', 17_401, { integer: true }),
  replicaBasePort: args.number('replica-port', 17_501, { integer: true }),
  zellularEnvironment: args.environment('zellular-env'),
  replicaEnvironment: args.environment('replica-env'),
}
/**
 * `--compare`: the whole run twice, first on the old path, then on the new one, figures side by
 * side. The old path is `--old-zellular-env` / `--old-replica-env` when given (one change
 * switched off), else loops on their intervals and plain polling of finalized batches.
 */
const compare = args.flag('compare')
const oldZellular = args.environment('old-zellular-env')
const oldReplica = args.environment('old-replica-env')
args.finish()

await Promise.all([initKeccak(), initZellular()])
const config: Record<string, unknown> = {
  ...environmentConfig(),
  smoke,
  zellularNodes: 4,
  replicas: 3,
  ratesPerSecond: rates.join(','),
  seconds: parameters.seconds,
  warmupSeconds: parameters.warmupSeconds,
  zellularEnvironment: JSON.stringify(parameters.zellularEnvironment),
  replicaEnvironment: JSON.stringify(parameters.replicaEnvironment),
}
const results: Record<string, unknown> = {}
const loads: number[] = []
const sampleLoad = () => loads.push(loadavg()[0] ?? 0)

const OLD_PATH =
  Object.keys(oldZellular).length + Object.keys(oldReplica).length > 0
    ? { zellular: oldZellular, replica: oldReplica }
    : { zellular: { ZSEQUENCER_WAKE_ON_WORK: '0' }, replica: { ZELLULAR_LONG_POLL_MS: '0' } }
const variants = compare
  ? [
      { name: 'old_', ...OLD_PATH },
      { name: 'new_', zellular: {}, replica: {} },
    ]
  : [{ name: '', zellular: {}, replica: {} }]
if (compare) config.oldPath = JSON.stringify(OLD_PATH)
for (const variant of variants) await runVariant(variant)
config.loadAverage1m = loads.map((load) => load.toFixed(1)).join(' ')
printSummary(`latency${smoke ? '-smoke' : ''}`, config, results)
process.exit(0)

/** Starts the cluster with the variant's environment and measures every rate on it. */
async function runVariant(variant: {
  name: string
  zellular: Record<string, string>
  replica: Record<string, string>
}) {
  if (variant.name !== '') console.log(`\n=== ${variant.name.slice(0, -1)} path`)
  const dir = mkdtempSync(join(tmpdir(), 'bench-latency-'))
  const accounts = benchAccounts(200)
  const { zellular, cluster } = await startBenchCluster({
    dir,
    accounts,
    zellularBasePort: parameters.zellularBasePort,
    replicaBasePort: parameters.replicaBasePort,
    zellularEnvironment: { ...variant.zellular, ...parameters.zellularEnvironment },
    replicaEnvironment: { ...variant.replica, ...parameters.replicaEnvironment },
  })
  try {
    const roles = await processRoles(zellular, cluster)
    const urls = cluster.urls()
    const batchOf = transferRounds(accounts)
    for (const rate of rates) {
      await drained(urls)
      await sendAtRate(urls, batchOf(Math.ceil(rate * parameters.warmupSeconds)), rate, sampleLoad)
      await drained(urls)
      const intents = batchOf(Math.ceil(rate * parameters.seconds))
      const checksBefore = await pairingChecks(roles)
      const requestsBefore = await requestCounts(roles)
      await eventLoops(roles)
      const cpu = startCpuAccounting(Object.fromEntries(roles.map((role) => [role.name, role.pid])))
      const run = await sendAtRate(urls, intents, rate, sampleLoad)
      const used = cpu.stop()
      const checksAfter = await pairingChecks(roles)
      const checks = Object.fromEntries(
        Object.entries(checksAfter).map(([name, count]) => [name, count - checksBefore[name]!]),
      )
      const requests = requestsSince(requestsBefore, await requestCounts(roles))
      const loops = await eventLoops(roles)
      const timelines = await collectTimelines(run, roles)
      const incomplete = timelines.filter((timeline) => timelineProblems(timeline).length > 0)
      const waterfall = buildWaterfall(timelines)
      const processes = { used, checks, requests, loops }
      report(`${variant.name}r${rate}_`, rate, run, waterfall, incomplete, processes)
    }
  } finally {
    await cluster.stop()
    await zellular.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One `/debug/…` reading of every node and replica, each answer parsed. */
async function readEach<answer>(
  roles: Awaited<ReturnType<typeof processRoles>>,
  path: string,
): Promise<{ name: string; node: boolean; answer: answer }[]> {
  const readings = []
  for (const role of roles) {
    const { text } = await call(`${role.url}${path}`)
    readings.push({ name: role.name, node: role.node, answer: JSON.parse(text) as answer })
  }
  return readings
}

/**
 * The BLS pairing checks each node and replica has made so far (`GET /debug/pairing-checks`):
 * the largest share of their CPU, one per lock or finalization proof verified.
 */
async function pairingChecks(
  roles: Awaited<ReturnType<typeof processRoles>>,
): Promise<Record<string, number>> {
  const readings = await readEach<{ pairingChecks: number }>(roles, '/debug/pairing-checks')
  return Object.fromEntries(readings.map(({ name, answer }) => [name, answer.pairingChecks]))
}

/**
 * How busy and how late each process's event loop was since the last reading
 * (`GET /debug/event-loop`; the first reading starts the watch and gives nothing).
 */
async function eventLoops(roles: Awaited<ReturnType<typeof processRoles>>) {
  const readings = await readEach<{ eventLoop: EventLoopReading | null }>(
    roles,
    '/debug/event-loop',
  )
  return readings.map(({ name, answer }) => ({ name, loop: answer.eventLoop }))
}

type RequestsByRoute = Record<string, number>

/** The requests each node and replica has answered so far, by route (`GET /debug/requests`). */
async function requestCounts(roles: Awaited<ReturnType<typeof processRoles>>) {
  const readings = await readEach<{ requests: RequestsByRoute }>(roles, '/debug/requests')
  return readings.map(({ name, node, answer }) => ({ name, node, requests: answer.requests }))
}

/** Per process, the requests answered between two readings, but the bench's own (`/debug/…`). */
function requestsSince(
  before: Awaited<ReturnType<typeof requestCounts>>,
  after: Awaited<ReturnType<typeof requestCounts>>,
) {
  return after.map(({ name, node, requests }) => {
    const earlier = before.find((entry) => entry.name === name)?.requests ?? {}
    const since: RequestsByRoute = {}
    for (const [route, count] of Object.entries(requests)) {
      const added = count - (earlier[route] ?? 0)
      if (added > 0 && !route.startsWith('GET /debug/')) since[route] = added
    }
    return { name, node, requests: since }
  })
}

/** Every intent of the run with the stamps of the replicas and the nodes joined in. */
async function collectTimelines(
  run: RateRun,
  roles: Awaited<ReturnType<typeof processRoles>>,
): Promise<IntentTimeline[]> {
  const replicas = roles.filter((role) => !role.node)
  const timelines = new Map<string, IntentTimeline>()
  for (const [id, sent] of run.sentAt) {
    const timeline = emptyTimeline(id, replicas.length)
    timeline.sent = sent
    run.seen.forEach((seen, replica) => (timeline.seen[replica] = seen.get(id)))
    timelines.set(id, timeline)
  }
  for (const [replica, role] of replicas.entries()) {
    for (const batch of await pages<ReplicaBatchStages>(`${role.url}/debug/stages`, run)) {
      for (const [id, received, batched] of batch.intents) {
        const timeline = timelines.get(id)
        if (timeline === undefined) continue
        timeline.index = batch.index
        timeline.read[replica] = batch.read
        timeline.applied[replica] = batch.applied
        timeline.eventSent[replica] = batch.eventSent ?? undefined
        if (received !== undefined) Object.assign(timeline, { received, batched })
      }
    }
  }
  // The sequencer's view of sequencing, locks and finalizations; "accepted" from whichever
  // node took the batch from a replica.
  const byIndex = new Map<number, NodeBatchStages>()
  const accepted = new Map<number, number>()
  for (const role of roles.filter((each) => each.node)) {
    for (const row of await pages<NodeBatchStages>(`${role.url}/debug/orderbook/stages`, run)) {
      if (role.name === 'sequencer') byIndex.set(row[0], row)
      if (row[1] !== null) accepted.set(row[0], Math.min(row[1], accepted.get(row[0]) ?? row[1]))
    }
  }
  for (const timeline of timelines.values()) {
    if (timeline.index === undefined) continue
    const row = byIndex.get(timeline.index)
    timeline.accepted = accepted.get(timeline.index)
    timeline.sequenced = row?.[2]
    timeline.locked = row?.[3] ?? undefined
    timeline.finalized = row?.[4] ?? undefined
  }
  return [...timelines.values()]
}

type ReplicaBatchStages = {
  index: number
  read: number
  applied: number
  eventSent: number | null
  intents: [string, number?, number?][]
}
type NodeBatchStages = [number, number | null, number, number | null, number | null]

/** Every page of a stages route from the run's first index on. */
async function pages<row>(url: string, run: RateRun): Promise<row[]> {
  const rows: row[] = []
  let after = run.firstIndex
  for (;;) {
    const answer = JSON.parse((await call(`${url}?after=${after}`)).text) as { batches: row[] }
    if (answer.batches.length === 0) return rows
    rows.push(...answer.batches)
    const last = answer.batches.at(-1) as { index?: number } | [number]
    after = Array.isArray(last) ? last[0] : last.index!
  }
}

/** Prints one rate's waterfall and stores its figures in the results. */
function report(
  prefix: string,
  rate: number,
  run: RateRun,
  waterfall: Waterfall,
  incomplete: readonly IntentTimeline[],
  processes: {
    /** CPU milliseconds per process over the run. */
    readonly used: Record<string, number>
    /** BLS pairing checks per node and replica over the run. */
    readonly checks: Record<string, number>
    /** Requests each node and replica answered over the run, by route. */
    readonly requests: ReturnType<typeof requestsSince>
    /** Each node's and replica's event loop over the run. */
    readonly loops: Awaited<ReturnType<typeof eventLoops>>
  },
) {
  const { used: usedMs, checks } = processes
  const lines = [`\n${rate} tx/s: ${waterfall.intents} intents timed through every stage`]
  lines.push(
    `  ${'stage (time from the one before)'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
  )
  for (const { stage, p50, p99 } of waterfall.stages) {
    lines.push(`  ${stage.padEnd(34)} ${String(p50).padStart(8)} ${String(p99).padStart(8)}`)
    results[`${prefix}${stage}P50Ms`] = p50
    results[`${prefix}${stage}P99Ms`] = p99
  }
  const { endToEnd, holdsP50, holdsP99 } = waterfall
  lines.push(
    `  ${'sent → seen on every replica'.padEnd(34)} ${String(endToEnd.p50).padStart(8)} ${String(endToEnd.p99).padStart(8)}`,
  )
  lines.push(
    `  p50 held by ${holdsP50.stage} (${holdsP50.ms} ms), p99 by ${holdsP99.stage} (${holdsP99.ms} ms)`,
  )
  Object.assign(results, {
    [`${prefix}sent`]: run.summary.sent,
    [`${prefix}offeredPerSecond`]: run.summary.offeredPerSecond,
    [`${prefix}transfersPerBatch`]: run.summary.transfersPerBatch,
    [`${prefix}refused`]: run.summary.refused,
    [`${prefix}timedIntents`]: waterfall.intents,
    [`${prefix}incompleteOrOutOfOrder`]: incomplete.length,
    [`${prefix}endToEndP50Ms`]: endToEnd.p50,
    [`${prefix}endToEndP99Ms`]: endToEnd.p99,
    [`${prefix}holdsP50`]: `${holdsP50.stage} ${holdsP50.ms} ms`,
    [`${prefix}holdsP99`]: `${holdsP99.stage} ${holdsP99.ms} ms`,
  })
  if (incomplete.length > 0) {
    lines.push(
      `  ${incomplete.length} timelines incomplete or out of order, e.g. ${incomplete[0]!.id}: ${timelineProblems(incomplete[0]!).join('; ')}`,
    )
  }
  // CPU per transfer applied everywhere, per process and for the 7 system processes together.
  const transfers = Math.max(1, run.summary.appliedOnAllReplicas)
  const perTransfer = (ms: number) => Math.round((ms * 1000) / transfers)
  let system = 0
  const cpuLine: string[] = []
  for (const [name, ms] of Object.entries(usedMs)) {
    results[`${prefix}cpuMicrosPerTransfer_${name}`] = perTransfer(ms)
    if (name !== 'loadGenerator') system += ms
    cpuLine.push(`${name} ${perTransfer(ms)}`)
  }
  results[`${prefix}cpuMicrosPerTransfer_system`] = perTransfer(system)
  lines.push(
    `  CPU µs per transfer: ${cpuLine.join(', ')}; the 7 system processes ${perTransfer(system)}`,
  )
  // Counts per transfer, to the hundredth: pairing checks (how much of that CPU the proofs take,
  // each ~4 ms here), then requests (the calls between the processes and from the load).
  const hundredthsPerTransfer = (count: number) => Math.round((100 * count) / transfers) / 100
  let systemChecks = 0
  const checkLine: string[] = []
  for (const [name, count] of Object.entries(checks)) {
    results[`${prefix}pairingChecksPerTransfer_${name}`] = hundredthsPerTransfer(count)
    systemChecks += count
    checkLine.push(`${name} ${hundredthsPerTransfer(count)}`)
  }
  results[`${prefix}pairingChecksPerTransfer_system`] = hundredthsPerTransfer(systemChecks)
  lines.push(
    `  BLS pairing checks per transfer: ${checkLine.join(', ')}; all ${hundredthsPerTransfer(systemChecks)}`,
  )
  // Requests per transfer: the calls between the processes (and from the load generator).
  const requestLine: string[] = []
  for (const { name, requests } of processes.requests) {
    const total = Object.values(requests).reduce((sum, count) => sum + count, 0)
    results[`${prefix}requestsPerTransfer_${name}`] = hundredthsPerTransfer(total)
    requestLine.push(`${name} ${hundredthsPerTransfer(total)}`)
  }
  lines.push(`  requests answered per transfer: ${requestLine.join(', ')}`)
  for (const [group, node] of [
    ['nodes', true],
    ['replicas', false],
  ] as const) {
    const byRoute: RequestsByRoute = {}
    for (const entry of processes.requests.filter((process) => process.node === node)) {
      for (const [route, count] of Object.entries(entry.requests)) {
        byRoute[route] = (byRoute[route] ?? 0) + count
      }
    }
    const top = Object.entries(byRoute)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([route, count]) => `${route} ${hundredthsPerTransfer(count)}`)
      .join(', ')
    results[`${prefix}requestsPerTransfer_${group}ByRoute`] = top
    lines.push(`  ${group}' most frequent requests per transfer: ${top}`)
  }
  // Event loops: a stage in a process waits while its loop runs other work.
  const loopLine: string[] = []
  for (const { name, loop } of processes.loops) {
    if (loop === null) continue
    results[`${prefix}eventLoopBusyPercent_${name}`] = loop.busyPercent
    results[`${prefix}eventLoopDelayP99Ms_${name}`] = loop.delayP99Ms
    loopLine.push(`${name} ${loop.busyPercent}/${loop.delayP50Ms}/${loop.delayP99Ms}`)
  }
  lines.push(`  event loop busy % / delay p50 / p99 ms: ${loopLine.join(', ')}`)
  console.log(lines.join('\n'))
}
