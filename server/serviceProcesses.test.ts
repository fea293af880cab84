import { spawn } from 'node:child_process'
import { expect, it } from 'vitest'
import { spawnService, startServiceGroup, type ServiceProcess } from './serviceProcesses.ts'

/** A replica with no configuration at all: it exits 1 once it has read its environment. */
function unconfiguredReplica(lines: string[]) {
  return spawnService('server/replica/main.ts', {
    id: 'replica-unconfigured',
    url: 'http://127.0.0.1:1',
    environment: { REPLICA_DATA_DIR: '', REPLICA_REGISTRY_FILE: '' },
    onLine: (line) => lines.push(line),
  })
}

it('says in the output how a process ended: its exit code, or the signal that ended it', async () => {
  const exitedLines: string[] = []
  const exiting = unconfiguredReplica(exitedLines)
  expect(await exiting.exited).toBe(1)
  // Its own last words: one line naming what is missing, not a stack trace.
  expect(exitedLines).toEqual([
    'replica: configuration: environment: REPLICA_ID: required; REPLICA_DATA_DIR: empty; ' +
      'REPLICA_REGISTRY_FILE: empty; REPLICA_GENESIS_FILE: required',
    `process ${exiting.child.pid} exited: code 1`,
  ])

  // Killed from outside, it prints nothing itself: the line is the only trace in its log.
  const killedLines: string[] = []
  const killed = unconfiguredReplica(killedLines)
  killed.child.kill('SIGKILL')
  expect(await killed.exited).toBeNull()
  expect(killedLines).toEqual([`process ${killed.child.pid} exited: SIGKILL`])
})

/** A process that runs until it is told to stop, or exits by itself after `exitAfterMs`. */
function idleProcess(position: number, exitAfterMs?: number): ServiceProcess {
  const script =
    exitAfterMs === undefined
      ? 'setInterval(() => {}, 1e6)'
      : `setTimeout(() => {}, ${exitAfterMs})`
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' })
  const exited = new Promise<number | null>((done) => child.once('exit', done))
  return { id: `idle-${position}`, url: 'http://127.0.0.1:1', child, exited }
}

it('tells of each exit the group did not cause, and of none it caused', async () => {
  const exits: string[] = []
  const group = await startServiceGroup<number>({
    count: 3,
    // The second process, once restarted, exits by itself after 200 ms.
    spawnAt: (position, exitAfterMs) => idleProcess(position, exitAfterMs),
    waitUntilReady: async () => {},
    onUnexpectedExit: (position, running, code, signal) =>
      exits.push(`${position} ${running.id} ${code ?? signal}`),
  })
  try {
    await group.kill(0)
    await group.restart(0)
    await group.restart(1, 200)
    await group.processes[1]!.exited
    process.kill(group.processes[2]!.child.pid!, 'SIGHUP')
    await group.processes[2]!.exited
    await group.restart(2)
  } finally {
    await group.stop()
  }
  expect(exits).toEqual(['1 idle-1 0', '2 idle-2 SIGHUP'])
})
