import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { processStartTime } from './processStartTime.mjs'
import { REPOSITORY_ROOT } from './repositoryRoot.ts'

/*
 * The reaper's script on real processes, told by hand what the harness tells it: at the end of
 * its input it kills what is still listed and nothing else. `chaos/hangup.test.ts` checks it
 * behind `spawnService`, with a harness that is SIGKILLed.
 */

const SCRIPT = join(REPOSITORY_ROOT, 'server/orphanReaperMain.mjs')

const started: ChildProcess[] = []

afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL')
})

function idler(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], {
    stdio: 'ignore',
  })
  started.push(child)
  return child
}

/** Resolves with how `child` ended, or with 'running' if it still runs after `ms`. */
function ending(child: ChildProcess, ms: number): Promise<string> {
  const said = () => `${child.signalCode ?? `code ${child.exitCode}`}`
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(said())
  return new Promise((done) => {
    const timer = setTimeout(() => done('running'), ms)
    child.once('exit', () => {
      clearTimeout(timer)
      done(said())
    })
  })
}

it('kills at the end of its input the children still listed, and only them', async () => {
  const [listed, exited, reused] = [idler(), idler(), idler()]
  const startOf = (child: ChildProcess) => processStartTime(child.pid!)!
  const reaper = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'ignore', 'inherit'] })
  started.push(reaper)
  // One line split across two writes, as a pipe may deliver it.
  reaper.stdin!.write(`+${listed.pid} ${startOf(listed)}\n+${exited.pid} `)
  reaper.stdin!.write(`${startOf(exited)}\n-${exited.pid}\n`)
  // Its pid as if it named a process that ended, the kernel giving the number to another since.
  reaper.stdin!.end(`+${reused.pid} ${Number(startOf(reused)) - 1}\n`)
  expect(await ending(reaper, 10_000)).toBe('code 0')
  expect(await ending(listed, 10_000)).toBe('SIGKILL')
  // The reaper has sent its kills by its exit, and one ended the listed child: a moment more
  // would show another's end.
  expect(await ending(exited, 500)).toBe('running')
  expect(await ending(reused, 500)).toBe('running')
})
