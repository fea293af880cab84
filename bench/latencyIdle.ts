/**
 * Idle CPU of the system (`npm run bench:latency-idle`): what `npm start` runs (`startSystem`:
 * 4 Zellular nodes, 3 replicas, the web server in this process as in the launcher's) left alone,
 * nobody connected: after they are up and settled, the CPU time of each process over `--seconds`
 * (default 60), from /proc, as a share of one core, and the total. The demo market maker, which
 * `npm start` runs unless told `--no-market-maker`, trades on its own: it is a user, left out
 * unless `--market-maker` (then counted, and its traffic wakes the rest).
 *
 *   npm run bench:latency-idle
 *   npm run bench:latency-idle -- --market-maker
 *   npm run bench:latency-idle -- --old-path     # loops on their intervals, plain polling
 *   npm run bench:latency-idle -- --port=25000   # web, replicas at +10, nodes at +20
 *   npm run bench:latency-idle -- --zellular-env=ZSEQUENCER_FOLLOWER_HOLD=3 --replica-env=…
 *
 * NOTE: the SUMMARY block and JSON line are printed by `printSummary` of `bench/report.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSystem } from '../server/devnet/system.ts'
import { processRoles } from './clusterLoad.ts'
import { startCpuAccounting } from './processCpu.ts'
import { environmentConfig, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

const args = new BenchArguments(process.argv.slice(2))
const seconds = args.number('seconds', 60)
const settleSeconds = args.number('settle-seconds', 10)
const port = args.number('port', 17_800, { integer: true })
const oldPath = args.flag('old-path')
const marketMaker = args.flag('market-maker')
const zellularEnvironment = {
  ...(oldPath ? { ZSEQUENCER_WAKE_ON_WORK: '0' } : {}),
  ...args.environment('zellular-env'),
}
const replicaEnvironment = {
  ...(oldPath ? { ZELLULAR_LONG_POLL_MS: '0' } : {}),
  ...args.environment('replica-env'),
}
args.finish()

const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'))
const system = await startSystem({
  dataDir: dir,
  webPort: port,
  replicaBasePort: port + 10,
  zellularBasePort: port + 20,
  marketMaker,
  zellularEnvironment,
  replicaEnvironment,
})
const results: Record<string, unknown> = {}
const load: number[] = []
try {
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000))
  const roles = await processRoles(system.zellular, system.replicas)
  const pids: Record<string, number | undefined> = Object.fromEntries(
    roles.map((role) => [role.name, role.pid]),
  )
  if (system.marketMaker !== undefined) pids.marketMaker = system.marketMaker.child.pid
  load.push(loadavg()[0] ?? 0)
  const cpu = startCpuAccounting(pids)
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  // `loadGenerator` is this process: the launcher's web server and log printing.
  const { loadGenerator: launcher = 0, ...used } = cpu.stop()
  load.push(loadavg()[0] ?? 0)
  const percent = (ms: number) => Number(((ms / (seconds * 1000)) * 100).toFixed(2))
  let total = launcher
  for (const name of Object.keys(pids)) {
    total += used[name] ?? 0
    results[`cpuPercentOfOneCore_${name}`] = percent(used[name] ?? 0)
  }
  results.cpuPercentOfOneCore_launcher = percent(launcher)
  results.cpuPercentOfOneCore_total = percent(total)
} finally {
  await system.stop()
  rmSync(dir, { recursive: true, force: true })
}
printSummary(
  'latency-idle',
  {
    ...environmentConfig(),
    system: 'npm start (startSystem)',
    marketMaker,
    seconds,
    settleSeconds,
    oldPath,
    environment: JSON.stringify({ ...zellularEnvironment, ...replicaEnvironment }),
    loadAverage1m: load.map((value) => value.toFixed(1)).join(' '),
  },
  results,
)
process.exit(0)
