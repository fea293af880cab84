import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { reapWhenOrphaned } from './orphanReaper.ts'
import { REPOSITORY_ROOT } from './repositoryRoot.ts'
import { ensureServerBuild, SERVER_ENTRIES } from './serverBuild.mjs'

/*
 * Zellular nodes and replicas each run as their own OS process, so that tests can kill -9 one
 * like a real crash and the launcher can show each one's log lines. This module starts such
 * processes and manages a group of them. They run the compiled bundles (`server/serverBuild.mjs`):
 * the ones next to this code when it is itself a bundle (`npm start`), else the build of the
 * current sources, made on first use (tests, benchmarks, the chaos suite).
 * `SERVICES_FROM_SOURCE=1` runs the TypeScript through tsx instead, the way it ran before, for
 * comparisons.
 */

const TSX = join(REPOSITORY_ROOT, 'node_modules/tsx/dist/esm/index.mjs')

/** Set by the bundler in compiled code only. */
const COMPILED = (globalThis as { __SERVER_BUILD__?: boolean }).__SERVER_BUILD__ === true

/** The Node.js arguments that run `entry`, a service's TypeScript entry under the repository. */
function entryArguments(entry: string): string[] {
  if (process.env.SERVICES_FROM_SOURCE === '1') {
    return ['--import', TSX, join(REPOSITORY_ROOT, entry)]
  }
  const bundle = SERVER_ENTRIES[entry]
  if (bundle === undefined) throw new Error(`${entry} is not a compiled service entry`)
  const directory = COMPILED ? dirname(fileURLToPath(import.meta.url)) : ensureServerBuild()
  return ['--enable-source-maps', join(directory, bundle)]
}

/** One service process. */
export interface ServiceProcess {
  readonly id: string
  readonly url: string
  readonly child: ChildProcess
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<number | null>
}

/**
 * Runs `entry` (a TypeScript file under the repository) in a new Node.js process with the
 * parent's environment plus `environment`, and hands each line it prints to `onLine`. Node.js
 * flags come from `nodeOptions` and from `SERVICE_NODE_FLAGS` in that environment (separated
 * by spaces), for flags Node.js refuses in `NODE_OPTIONS`: a bench's
 * `--zellular-env=SERVICE_NODE_FLAGS=--cpu-prof --cpu-prof-dir=/tmp/prof` profiles its nodes.
 */
export function spawnService(
  entry: string,
  options: {
    readonly id: string
    readonly url: string
    readonly environment: Record<string, string>
    readonly onLine?: ((line: string) => void) | undefined
    /** Extra Node.js options, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/profiles']`. */
    readonly nodeOptions?: readonly string[] | undefined
    /**
     * A session (and process group) of its own: no signal for the terminal or for the
     * launching shell's job reaches it (Ctrl-C's SIGINT, the shell's SIGHUP as it ends), so it
     * lives until this process ends it, and it ends when this process ends, however that
     * happens (`endsWithThisProcess`). For the chaos harness, whose runs outlive the shell that
     * started them; `npm start` keeps its children in its group, where the terminal's Ctrl-C
     * reaches them too.
     */
    readonly ownSession?: boolean | undefined
  },
): ServiceProcess {
  const env = { ...process.env, ...options.environment }
  const flags = (env.SERVICE_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '')
  const nodeOptions = [...(options.nodeOptions ?? []), ...flags]
  const child = spawn(process.execPath, [...nodeOptions, ...entryArguments(entry)], {
    cwd: REPOSITORY_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // setsid(2) on POSIX.
    detached: options.ownSession === true,
  })
  if (options.ownSession === true) endsWithThisProcess(child)
  // Whole lines, even when one arrives split across two chunks.
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (line) options.onLine?.(line)
    })
  }
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code, signal) => {
      // Said in its own output, so a process that ends without a word (a SIGKILL from outside)
      // still leaves a line in its log.
      options.onLine?.(`process ${child.pid} exited: ${signal ?? `code ${code}`}`)
      done(code)
    }),
  )
  return { id: options.id, url: options.url, child, exited }
}

/**
 * Children in sessions of their own that still run: nothing but this process, or its orphan
 * reaper once it is gone, ends them.
 */
const ownSessionChildren = new Set<ChildProcess>()

/**
 * Kills `child` when this process ends: in a session of its own it would live on, an orphan. As
 * this process exits (`process.exit`, the end of its work, an uncaught error, a signal it
 * handles: `chaos/harnessSignals.ts`), its `exit` listener kills the child; when it ends with no
 * exit event (SIGKILL, or a signal it has no handler for), the orphan reaper does
 * (`orphanReaper.ts`), paused children included.
 */
function endsWithThisProcess(child: ChildProcess): void {
  reapWhenOrphaned(child)
  if (ownSessionChildren.size === 0) process.on('exit', killOwnSessionChildren)
  ownSessionChildren.add(child)
  child.once('exit', () => {
    ownSessionChildren.delete(child)
    if (ownSessionChildren.size === 0) process.off('exit', killOwnSessionChildren)
  })
}

function killOwnSessionChildren(): void {
  // Synchronous, as an exit listener must be; SIGKILL also ends a stopped (paused) child.
  for (const child of ownSessionChildren) child.kill('SIGKILL')
}

/** Running service processes by position, each of which can be killed and restarted. */
export interface ServiceGroup<Restart> {
  /** The current process of each position (a restart replaces it). */
  readonly processes: ServiceProcess[]
  urls(): string[]
  /** Sends `signal` (default SIGKILL) to one process and waits for it to exit. */
  kill(position: number, signal?: NodeJS.Signals): Promise<void>
  /** Kills one process if it runs, starts it again and waits until it is ready. */
  restart(position: number, options?: Restart): Promise<void>
  /** SIGTERM to every process, and waits for all of them to exit. */
  stop(): Promise<void>
}

/**
 * Starts `count` processes and waits until each is ready; if one fails to get ready, kills all
 * of them and throws. `onUnexpectedExit` hears of every exit the group did not cause (by `kill`,
 * `restart`, `stop` or a failed start): a process that ended by itself or by someone else's
 * signal.
 */
export async function startServiceGroup<Restart = undefined>(parameters: {
  readonly count: number
  readonly spawnAt: (position: number, options?: Restart) => ServiceProcess
  readonly waitUntilReady: (position: number, running: ServiceProcess) => Promise<void>
  readonly onUnexpectedExit?: (
    position: number,
    running: ServiceProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) => void
}): Promise<ServiceGroup<Restart>> {
  const { count, spawnAt, waitUntilReady, onUnexpectedExit } = parameters
  // The processes this group is ending: their exits are its own doing.
  const ending = new WeakSet<ServiceProcess>()
  const spawnWatched = (position: number, options?: Restart) => {
    const running = spawnAt(position, options)
    running.child.once('exit', (code, signal) => {
      if (!ending.has(running)) onUnexpectedExit?.(position, running, code, signal)
    })
    return running
  }
  const processes = Array.from({ length: count }, (_, position) => spawnWatched(position))
  const stopOne = async (position: number, signal: NodeJS.Signals) => {
    const running = processes[position]!
    if (running.child.exitCode === null && running.child.signalCode === null) {
      ending.add(running)
      running.child.kill(signal)
      await running.exited
    }
  }
  try {
    await Promise.all(processes.map((running, position) => waitUntilReady(position, running)))
  } catch (error) {
    await Promise.all(processes.map((_, position) => stopOne(position, 'SIGKILL')))
    throw error
  }
  return {
    processes,
    urls: () => processes.map((running) => running.url),
    kill: (position, signal = 'SIGKILL') => stopOne(position, signal),
    async restart(position, options) {
      await stopOne(position, 'SIGKILL')
      processes[position] = spawnWatched(position, options)
      await waitUntilReady(position, processes[position]!)
    },
    async stop() {
      await Promise.all(processes.map((_, position) => stopOne(position, 'SIGTERM')))
    },
  }
}
