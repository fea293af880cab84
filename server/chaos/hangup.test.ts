import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { expect, it } from 'vitest'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'

/*
 * The launching shell's hangup on real processes: a harness-style parent (`hangupFixture.ts`)
 * in a process group of its own, as a shell's job is, starts one child as the chaos harness does,
 * and the whole group gets SIGHUP, as when the shell that started the job ends. A child that
 * shares the parent's group dies of it (chaos seed 395 lost a replica for 490 s so); one in a
 * session of its own keeps running. It still ends with its parent, however the parent ends.
 */

const TSX = join(REPOSITORY_ROOT, 'node_modules/tsx/dist/esm/index.mjs')
const FIXTURE = join(REPOSITORY_ROOT, 'server/chaos/hangupFixture.ts')

/** The fields of `/proc/<pid>/stat` after the command's name: state, parent pid, …; or none. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** Whether `pid` runs: it exists and is no zombie (an orphan's end may not be reaped here). */
function running(pid: number): boolean {
  const state = statFields(pid)?.[0]
  return state !== undefined && state !== 'Z'
}

/** The processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => statFields(child)?.[1] === String(pid))
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!condition() && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50))
  return condition()
}

/**
 * Starts the parent in a process group of its own with `children` children (one by default);
 * resolves once each is ready.
 */
async function startParent(ownSession: boolean, children = 1) {
  const parent = spawn(process.execPath, ['--import', TSX, FIXTURE], {
    cwd: REPOSITORY_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      HANGUP_FIXTURE_OWN_SESSION: ownSession ? '1' : '0',
      HANGUP_FIXTURE_CHILDREN: String(children),
    },
  })
  const lines: string[] = []
  createInterface({ input: parent.stdout! }).on('line', (line) => lines.push(line))
  const exited = new Promise<number | null>((done) => parent.once('exit', (code) => done(code)))
  const ready = () => lines.filter((line) => line === 'child ready').length === children
  expect(await until(ready, 30_000), lines.join('\n')).toBe(true)
  const childPids = lines
    .filter((line) => line.startsWith('child pid '))
    .map((line) => Number(line.slice(10)))
  return { parent, lines, exited, childPid: childPids[0]!, childPids }
}

it.each([
  { ownSession: true, childSurvives: true },
  { ownSession: false, childSurvives: false },
])(
  "a child in a session of its own ($ownSession) survives the SIGHUP to its harness's group: $childSurvives",
  async ({ ownSession, childSurvives }) => {
    const { parent, lines, exited, childPid } = await startParent(ownSession)
    try {
      process.kill(-parent.pid!, 'SIGHUP')
      // A signal that ends the child does so at once, and the parent says so in a line: a
      // second is plenty to hear of it.
      const exitLine = `process ${childPid} exited: SIGHUP`
      const ignored = 'chaos: SIGHUP ignored; the run goes on and stops by itself'
      await until(() => lines.includes(exitLine) && lines.includes(ignored), 1_000)
      expect(lines).toContain(ignored)
      expect(lines.includes(exitLine), lines.join('\n')).toBe(!childSurvives)
      expect(running(childPid)).toBe(childSurvives)
    } finally {
      if (running(childPid)) process.kill(childPid, 'SIGKILL')
      parent.kill('SIGKILL')
      await exited
    }
  },
)

it.each(['SIGTERM', 'SIGINT'] as const)(
  'the harness kills its children in sessions of their own as it stops on %s: no orphan',
  async (signal) => {
    const { parent, lines, exited, childPid } = await startParent(true)
    try {
      process.kill(parent.pid!, signal)
      expect(await exited).toBe(signal === 'SIGINT' ? 130 : 143)
      expect(lines).toContain(`chaos: ${signal}: stopping every process of the run`)
      expect(await until(() => !running(childPid), 5_000)).toBe(true)
    } finally {
      if (running(childPid)) process.kill(childPid, 'SIGKILL')
      parent.kill('SIGKILL')
    }
  },
)

it.each([
  { paused: false, how: 'running' },
  { paused: true, how: 'paused (SIGSTOP)' },
])(
  'children in sessions of their own, $how, end when their harness is SIGKILLed: no orphan',
  async ({ paused }) => {
    // Two: the second starts after the first, when whatever watches over them already runs.
    const { parent, exited, childPids } = await startParent(true, 2)
    // Whatever else the parent started to watch over its children must end too.
    const helpers = childrenOf(parent.pid!).filter((pid) => !childPids.includes(pid))
    try {
      if (paused) {
        for (const pid of childPids) process.kill(pid, 'SIGSTOP')
        const stopped = () => childPids.every((pid) => statFields(pid)?.[0] === 'T')
        expect(await until(stopped, 5_000)).toBe(true)
      }
      parent.kill('SIGKILL')
      await exited
      // A bound to fail in, not a speed: the children end within moments of their parent.
      const ended = () => childPids.every((pid) => !running(pid))
      expect(await until(ended, 10_000), `still running: ${childPids.filter(running)}`).toBe(true)
      expect(await until(() => helpers.every((pid) => !running(pid)), 10_000)).toBe(true)
    } finally {
      for (const pid of [...childPids, ...helpers]) if (running(pid)) process.kill(pid, 'SIGKILL')
      parent.kill('SIGKILL')
    }
  },
)
