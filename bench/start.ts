/**
 * `npm start` to ready (`npm run bench:start`): the launcher (`node server/start.mjs`, what
 * `npm start` runs) timed from its spawn to its `ready in` line, in two states, alternated:
 * **cold**, as on a fresh clone after `npm ci` (no compiled server for these sources, no built
 * web app, no keys: it compiles, builds, generates and starts), and **warm** (both built, new
 * keys: a start after the first). Beside each time, the figure the launcher printed and the CPU
 * every process of the system had used by then (from /proc; `endedChildren`: those that ended
 * before, the web app's build), which says where a start goes on cores shared by all of them.
 * The market maker is left out; ports are moved by `--port-offset` and the data lives in a
 * temporary directory, so a running `npm start` is not disturbed (but the repository's built
 * web app and this build of the server are deleted for each cold start).
 *
 *   npm run bench:start                  # 3 rounds
 *   npm run bench:start -- --rounds=5 --port-offset=21000
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { LauncherProcess } from '../server/devnet/launcherProcess.ts'
import { REPOSITORY_ROOT } from '../server/repositoryRoot.ts'
import { cpuMillisOf, endedChildrenCpuMillisOf } from '../server/processCpu.ts'
import { serverBuildDirectory } from '../server/serverBuild.mjs'
import { BenchArguments } from './benchArguments.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'

const args = new BenchArguments(process.argv.slice(2))
/** `--smoke` (its test in `npm test`): one warm start, nothing deleted under the other tests. */
const smoke = args.smoke
const rounds = args.number('rounds', smoke ? 1 : 3, { integer: true, min: 1 })
const portOffset = args.number('port-offset', 21_000, { integer: true })
args.finish()
const states = smoke ? (['warm'] as const) : (['cold', 'warm'] as const)

interface Start {
  /** Spawn to the `ready in` line, in seconds. */
  readonly wallSeconds: number
  /** What the launcher printed. */
  readonly printedSeconds: number
  /** CPU milliseconds by kind of process (launcher, node, replica, web build, compiler). */
  readonly cpuMs: Record<string, number>
}

/** Starts the system once, waits for it to be ready, reads its processes' CPU, stops it. */
async function timeStart(dataDir: string): Promise<Start> {
  const spawnedAt = performance.now()
  const launcher = new LauncherProcess([
    '--no-market-maker',
    `--data-dir=${dataDir}`,
    `--port-offset=${portOffset}`,
  ])
  const printedSeconds = await launcher.ready()
  const wallSeconds = (performance.now() - spawnedAt) / 1000
  const cpuMs: Record<string, number> = {}
  try {
    const group = execFileSync('pgrep', ['-g', String(launcher.child.pid)], { encoding: 'utf8' })
    for (const pid of group.trim().split('\n').map(Number)) {
      const kind = kindOf(pid)
      cpuMs[kind] = (cpuMs[kind] ?? 0) + (cpuMillisOf(pid) ?? 0)
    }
    // Children that ended before ready (the web app's build) count in the launcher's own record.
    const ended = endedChildrenCpuMillisOf(launcher.child.pid) ?? 0
    if (ended > 0) cpuMs.endedChildren = ended
  } finally {
    launcher.child.kill('SIGINT')
  }
  const { code } = await launcher.exited
  if (code !== 0) throw new Error(`the launcher did not stop cleanly: ${launcher.output}`)
  return { wallSeconds, printedSeconds, cpuMs }
}

/** What a process of the system is, from its command line. */
function kindOf(pid: number): string {
  let commandLine = ''
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    return 'gone'
  }
  const kinds: [RegExp, string][] = [
    [/start\.mjs/, 'launcher'],
    [/zellular\.mjs/, 'nodes'],
    [/replica\.mjs/, 'replicas'],
    [/vite/, 'webBuild'],
    [/esbuild|--service=/, 'compiler'],
  ]
  return kinds.find(([pattern]) => pattern.test(commandLine))?.[1] ?? 'other'
}

const config: Record<string, unknown> = { ...environmentConfig(), rounds, portOffset }
const runs: Record<'cold' | 'warm', Start[]> = { cold: [], warm: [] }
const loads: number[] = []
const dir = mkdtempSync(join(tmpdir(), 'bench-start-'))
try {
  for (let round = 0; round < rounds; round++) {
    for (const state of states) {
      if (state === 'cold') {
        // As a fresh clone after `npm ci`; warm: everything built, new keys and databases.
        rmSync(serverBuildDirectory(), { recursive: true, force: true })
        rmSync(join(REPOSITORY_ROOT, 'web/dist'), { recursive: true, force: true })
      }
      loads.push(loadavg()[0]!)
      runs[state].push(await timeStart(join(dir, `${state}-${round}`)))
      console.log(`round ${round + 1} ${state}: ${JSON.stringify(runs[state].at(-1))}`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const results: Record<string, unknown> = {}
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  )
for (const state of states) {
  const starts = runs[state]
  const wall = starts.map((start) => start.wallSeconds)
  results[`${state}_wallSeconds_median`] = Number(median(wall).toFixed(2))
  results[`${state}_wallSeconds_range`] =
    `${Math.min(...wall).toFixed(2)}–${Math.max(...wall).toFixed(2)}`
  results[`${state}_printedSeconds_median`] = median(starts.map((start) => start.printedSeconds))
  const kinds = new Set(starts.flatMap((start) => Object.keys(start.cpuMs)))
  for (const kind of [...kinds].sort()) {
    results[`${state}_cpuMs_${kind}`] = Math.round(
      median(starts.map((start) => start.cpuMs[kind] ?? 0)),
    )
  }
}
config.loadAverage1m = loads.map((load) => load.toFixed(1)).join(' ')
printSummary(`start${smoke ? '-smoke' : ''}`, config, results)
process.exit(0)
