import { mkdtempSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLocalNetwork, type LocalNetwork } from '../server/devnet/localNetwork.ts'
import { FOLLOWER_FAULTS } from '../server/zellular/faults.ts'
import { waitFor } from '../server/zellular/testing.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'
import { runOpenLoop, type LoadRun } from './zellularLoad.ts'
import { BenchArguments } from './benchArguments.ts'

/**
 * `npm run bench:byzantine`: the 4-node local network under the same open-loop load, once with
 * four honest nodes and once per adversary behaviour (`server/zellular/faults.ts`) of one node,
 * side by side. Load goes to the honest nodes, a reader follows an honest node. Per scenario:
 * finalized tx/s, submit → finalized p50/p99, batches lost, honest processes that exited, and
 * whether the honest nodes' finalized histories conflict. With a Byzantine sequencer also the
 * time from the first honest SEQUENCER SWITCH to the next finalized batch.
 */
const args = new BenchArguments(process.argv.slice(2))
const rate = args.number('rate', 10_000)
const seconds = args.number('seconds', 15)
const warmupSeconds = args.number('warmup-seconds', 3)
/** Comma list of scenario names, run in that order; a name may repeat (honest twice, say). */
const wanted = (args.text('scenarios') ?? '').split(',').filter(Boolean)
const basePort = args.number('base-port', 17_401, { integer: true })
/** Print every node log line to stderr (to see where a scenario's time goes). */
const verbose = args.flag('verbose')
args.finish()
const APP = 'bench'

interface Scenario {
  readonly name: string
  /** Position of the adversary (0 is the initial sequencer), or none. */
  readonly adversary?: number
  readonly faults?: (ids: readonly string[]) => string
}

const ALL: Scenario[] = [
  { name: 'honest' },
  ...FOLLOWER_FAULTS.map((fault) => ({
    name: `follower ${fault}`,
    adversary: 3,
    faults: () => fault,
  })),
  { name: 'sequencer stop-finalizing', adversary: 0, faults: () => 'stop-finalizing' },
  { name: 'sequencer equivocate', adversary: 0, faults: () => 'equivocate' },
  { name: 'sequencer finalize-twice', adversary: 0, faults: () => 'finalize-twice' },
  {
    name: 'sequencer withhold-finalizations',
    adversary: 0,
    faults: () => 'withhold-finalizations',
  },
  { name: 'sequencer censor', adversary: 0, faults: (ids) => `censor=${ids[2]}` },
]
const scenarios =
  wanted.length === 0
    ? ALL
    : wanted.map((name) => {
        const scenario = ALL.find((s) => s.name === name)
        if (!scenario) throw new Error(`unknown scenario "${name}"`)
        return scenario
      })

interface Outcome {
  readonly run: LoadRun
  readonly honestExited: number
  readonly conflicting: boolean
  readonly switchToFinalizedMs?: number
  /** From the adversary's first logged act (`ADVERSARY …`) to the first honest switch. */
  readonly actToSwitchMs?: number
}

async function runScenario(scenario: Scenario, basePort: number): Promise<Outcome> {
  const switches: number[] = []
  let firstAct: number | undefined
  const network: LocalNetwork = await startLocalNetwork({
    dir: mkdtempSync(join(tmpdir(), 'zellular-byzantine-bench-')),
    basePort,
    apps: [APP],
    environmentOf: (position, layout): Record<string, string> =>
      position === scenario.adversary
        ? { ZSEQUENCER_FAULTS: scenario.faults!(layout.nodes.map((node) => node.id)) }
        : {},
    onLine: (position, line) => {
      if (verbose) process.stderr.write(`node-${position + 1} ${line}\n`)
      if (position !== scenario.adversary && /SEQUENCER SWITCH/.test(line)) {
        switches.push(performance.now())
      }
      if (position === scenario.adversary && /ADVERSARY/.test(line)) {
        firstAct ??= performance.now()
      }
    },
  })
  const honest = [0, 1, 2, 3].filter((position) => position !== scenario.adversary)
  try {
    for (const url of network.urls()) {
      await waitFor(async () => (await fetch(`${url}/node/ready`)).ok)
    }
    const senders = honest.filter((position) => position !== 0 || scenario.adversary === 0)
    const run = await runOpenLoop(network, {
      app: APP,
      rate,
      seconds,
      warmupSeconds,
      txBytes: 100,
      txPerBatch: TX_PER_BATCH,
      senders: senders.filter((position) => position !== 0),
      reader: honest.find((position) => position !== 0)!,
      startAfter: 0,
      onProgress: (line) => process.stderr.write(`${scenario.name}: ${line}\n`),
    })
    const honestExited = honest.filter(
      (position) => network.processes[position]!.child.exitCode !== null,
    ).length
    const firstSwitch = switches[0]
    const after =
      firstSwitch === undefined ? undefined : run.arrivals.find((at) => at > firstSwitch)
    return {
      run,
      honestExited,
      conflicting: await historiesConflict(network, honest),
      ...(firstSwitch !== undefined && after !== undefined
        ? { switchToFinalizedMs: Math.round(after - firstSwitch) }
        : {}),
      ...(firstSwitch !== undefined && firstAct !== undefined && firstAct < firstSwitch
        ? { actToSwitchMs: Math.round(firstSwitch - firstAct) }
        : {}),
    }
  } finally {
    await network.stop()
  }
}

/** Whether two honest nodes finalized different chaining hashes at their common last index. */
async function historiesConflict(network: LocalNetwork, honest: number[]): Promise<boolean> {
  const urls = honest.map((position) => network.urls()[position]!)
  const last = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(`${url}/node/${APP}/batches/finalized/last`)
      return ((await response.json()) as { data: { index: number } | null }).data?.index ?? 0
    }),
  )
  const common = Math.min(...last)
  if (common === 0) return false
  const hashes = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(`${url}/node/${APP}/batches/finalized?after=${common - 1}`)
      const page = (await response.json()) as { data: { first_chaining_hash: string } | null }
      return page.data?.first_chaining_hash
    }),
  )
  return new Set(hashes).size !== 1
}

const TX_PER_BATCH = 45

/**
 * CPU time per finalized transaction and per finalized batch of each node process: independent
 * of how many cores the machine has, unlike latency on this shared 2-core machine.
 */
function cpuPerTx(run: LoadRun): number[] {
  return run.cpuPercentByNode.map((percent) =>
    run.finalizedTxPerSecond === 0
      ? NaN
      : Math.round((percent * 10_000) / run.finalizedTxPerSecond),
  )
}

function cpuMsPerBatch(run: LoadRun): number[] {
  return cpuPerTx(run).map((micros) => Math.round((micros * TX_PER_BATCH) / 100) / 10)
}

const results: Record<string, string> = {}
let honestThroughput: number | undefined
let honestP99: number | undefined
const switchTimes: number[] = []
let port = basePort
const loadAverages: string[] = []
for (const scenario of scenarios) {
  loadAverages.push(loadavg()[0]!.toFixed(1))
  const outcome = await runScenario(scenario, port)
  port += 10
  const { run } = outcome
  if (scenario.adversary === undefined) {
    honestThroughput = run.finalizedTxPerSecond
    honestP99 = run.p99Ms
  }
  if (outcome.switchToFinalizedMs !== undefined) switchTimes.push(outcome.switchToFinalizedMs)
  const share =
    honestThroughput === undefined
      ? ''
      : ` (${Math.round((100 * run.finalizedTxPerSecond) / honestThroughput)} % of honest)`
  let key = scenario.name
  for (let n = 2; results[key] !== undefined; n++) key = `${scenario.name} #${n}`
  results[key] =
    `finalized ${run.finalizedTxPerSecond} tx/s${share}, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, ` +
    `lost ${run.lostBatches}, refused ${run.refusedBatches}, honest exits ${outcome.honestExited}, ` +
    `conflicting ${outcome.conflicting ? 'YES' : 'no'}` +
    (outcome.switchToFinalizedMs === undefined
      ? ''
      : `, switch → next finalization ${outcome.switchToFinalizedMs} ms`) +
    (outcome.actToSwitchMs === undefined
      ? ''
      : `, first adversary act → switch ${outcome.actToSwitchMs} ms`) +
    `, CPU % per node [${run.cpuPercentByNode.join(', ')}]` +
    `, CPU µs per finalized tx per node [${cpuPerTx(run).join(', ')}]` +
    `, CPU ms per finalized batch per node [${cpuMsPerBatch(run).join(', ')}]` +
    `, load average at start ${loadAverages.at(-1)}`
}
switchTimes.sort((a, b) => a - b)
if (switchTimes.length > 0) {
  results['switch → next finalization p99 ms'] = String(percentile(switchTimes, 99))
}
if (honestP99 !== undefined) results['honest p99 ms'] = String(honestP99)
printSummary(
  'byzantine',
  {
    nodes: 4,
    threshold: '67%',
    rate,
    seconds,
    warmupSeconds,
    load: 'open loop, bulk PUT every 20 ms to the honest followers in turn; reader on an honest node',
    adversary: 'one node with ZSEQUENCER_FAULTS (follower: position 4; sequencer: position 1)',
    ...environmentConfig(),
  },
  results,
)
