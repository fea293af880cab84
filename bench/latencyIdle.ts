/**
 * Idle CPU of the system (`npm run bench:latency-idle`): the 7 processes `npm start` runs (4
 * Zellular nodes, 3 replicas, with the devnet's settings; `clusterLoad.ts`) left alone, nobody
 * connected: after they are up and settled, the CPU time of each over `--seconds` (default 60),
 * from /proc, as a share of one core, and the total.
 *
 *   npm run bench:latency-idle
 *   npm run bench:latency-idle -- --old-path     # loops on their intervals, plain polling
 *
 * NOTE: the SUMMARY block and JSON line are printed by `printSummary` of `bench/report.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { initKeccak } from '../shared/intents/index.ts'
import { initZellular } from '../shared/zellular/index.ts'
import { processRoles, startBenchCluster } from './clusterLoad.ts'
import { startCpuAccounting } from './processCpu.ts'
import { benchAccounts } from './replicaApply.ts'
import { environmentConfig, printSummary } from './report.ts'

const argv = process.argv.slice(2)
const seconds = Number(argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 60)
const settleSeconds = Number(argv.find((a) => a.startsWith('--settle-seconds='))?.slice(17) ?? 10)
const oldPath = argv.includes('--old-path')

await Promise.all([initKeccak(), initZellular()])
const dir = mkdtempSync(join(tmpdir(), 'bench-idle-'))
const { zellular, cluster } = await startBenchCluster({
  dir,
  accounts: benchAccounts(10),
  zellularBasePort: 17_801,
  replicaBasePort: 17_901,
  zellularEnvironment: oldPath ? { ZSEQUENCER_WAKE_ON_WORK: '0' } : {},
  replicaEnvironment: oldPath ? { ZELLULAR_LONG_POLL_MS: '0' } : {},
})
const results: Record<string, unknown> = {}
const load: number[] = []
try {
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000))
  const roles = await processRoles(zellular, cluster)
  load.push(loadavg()[0] ?? 0)
  const cpu = startCpuAccounting(Object.fromEntries(roles.map((role) => [role.name, role.pid])))
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  const used = cpu.stop()
  load.push(loadavg()[0] ?? 0)
  const percent = (ms: number) => Number(((ms / (seconds * 1000)) * 100).toFixed(2))
  let total = 0
  for (const role of roles) {
    total += used[role.name] ?? 0
    results[`cpuPercentOfOneCore_${role.name}`] = percent(used[role.name] ?? 0)
  }
  results.cpuPercentOfOneCore_total = percent(total)
} finally {
  await cluster.stop()
  await zellular.stop()
  rmSync(dir, { recursive: true, force: true })
}
printSummary(
  'latency-idle',
  {
    ...environmentConfig(),
    seconds,
    settleSeconds,
    oldPath,
    loadAverage1m: load.map((value) => value.toFixed(1)).join(' '),
  },
  results,
)
process.exit(0)
