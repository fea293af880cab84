/**
 * Idle CPU of `npm start` (`npm run bench:latency-idle`): starts the system as `npm start` does
 * (with `--no-market-maker` unless `--market-maker`: nobody trades), waits until it is up and
 * settled, then counts the CPU time of every process it started (nodes, replicas, the launcher
 * with its web server) over `--seconds` (default 60), from /proc. Prints the total as a share of
 * one core, and each process's.
 *
 *   npm run bench:latency-idle
 *   npm run bench:latency-idle -- --seconds=30 --zellular-env=ZSEQUENCER_WAKE_ON_WORK=0
 *
 * Old path for comparison: `--old-path` sets ZSEQUENCER_WAKE_ON_WORK=0 and
 * ZELLULAR_LONG_POLL_MS=0 in the environment the system inherits.
 *
 * NOTE: the SUMMARY block and JSON line are printed by `printSummary` of `bench/report.ts`.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { cpuMillisOf } from './processCpu.ts'
import { environmentConfig, printSummary } from './report.ts'

const argv = process.argv.slice(2)
const seconds = Number(argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 60)
const settleSeconds = Number(argv.find((a) => a.startsWith('--settle-seconds='))?.slice(17) ?? 10)
const oldPath = argv.includes('--old-path')
const environment = oldPath ? { ZSEQUENCER_WAKE_ON_WORK: '0', ZELLULAR_LONG_POLL_MS: '0' } : {}
const startArgs = argv.includes('--market-maker') ? [] : ['--no-market-maker']

const root = join(import.meta.dirname, '..')
const launcher = spawn(process.execPath, [join(root, 'server/start.mjs'), ...startArgs], {
  cwd: root,
  env: { ...process.env, ...environment },
  stdio: ['ignore', 'pipe', 'pipe'],
})
const stop = () => launcher.kill('SIGTERM')
process.on('exit', stop)
await new Promise<void>((resolve, reject) => {
  const lines = createInterface({ input: launcher.stdout! })
  lines.on('line', (line) => {
    if (line.includes('Open http')) resolve()
  })
  launcher.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  launcher.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)))
})
await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000))

const processes = descendants(launcher.pid!)
const names = new Map(processes.map((pid) => [pid, nameOf(pid)]))
const before = new Map(processes.map((pid) => [pid, cpuMillisOf(pid)]))
const load = [loadavg()[0] ?? 0]
await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
load.push(loadavg()[0] ?? 0)
const results: Record<string, unknown> = {}
let total = 0
for (const pid of processes) {
  const start = before.get(pid)
  const end = cpuMillisOf(pid)
  if (start === undefined || end === undefined) continue
  const used = end - start
  total += used
  const key = `cpuPercentOfOneCore_${names.get(pid)}_${pid}`
  results[key] = Number(((used / (seconds * 1000)) * 100).toFixed(2))
}
results.cpuPercentOfOneCore_total = Number(((total / (seconds * 1000)) * 100).toFixed(2))
results.processes = processes.length
stop()
printSummary(
  'latency-idle',
  {
    ...environmentConfig(),
    seconds,
    settleSeconds,
    marketMaker: startArgs.length === 0,
    oldPath,
    loadAverage1m: load.map((value) => value.toFixed(1)).join(' '),
  },
  results,
)
process.exit(0)

/** `pid` and every process below it, from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parents.set(Number(entry), ppid)
    } catch {
      // gone
    }
  }
  const out = [pid]
  for (let i = 0; i < out.length; i++) {
    for (const [child, parent] of parents) if (parent === out[i]) out.push(child)
  }
  return out
}

/** A short name: the bundle a process runs (zellular, replica, devnet), else its command. */
function nameOf(pid: number): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    const script = command.find((part) => /\.(mjs|js|ts)$/.test(part)) ?? command[0] ?? '?'
    const base = script
      .split('/')
      .at(-1)!
      .replace(/\.(mjs|js|ts)$/, '')
    const port = /(?:ZSEQUENCER_PORT|REPLICA_PORT)=(\d+)/.exec(
      readFileSync(`/proc/${pid}/environ`, 'utf8'),
    )
    return port ? `${base}${port[1]}` : base
  } catch {
    return '?'
  }
}
