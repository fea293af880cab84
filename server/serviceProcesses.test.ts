import { expect, it } from 'vitest'
import { spawnService } from './serviceProcesses.ts'

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
