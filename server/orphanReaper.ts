import { spawn, type ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { processStartTime } from './processStartTime.mjs'
import { REPOSITORY_ROOT } from './repositoryRoot.ts'

/*
 * Children in sessions of their own outlive this process unless someone kills them, and a signal
 * that ends it without an `exit` event (SIGKILL, SIGQUIT, an OOM kill) runs none of its code. So
 * one more process, the reaper (`orphanReaperMain.mjs`), in a session of its own as well, is told
 * of each such child, and kills the ones still running when this process ends by any means: it
 * holds the read end of a pipe whose write end only this process holds, which the kernel closes
 * as this process dies. A child cannot watch that pipe itself: a paused (SIGSTOPped) one runs no
 * code. Nor does the kernel's SIGHUP and SIGCONT to a stopped group as it becomes orphaned: each
 * child's group, alone in its session, is orphaned from its start.
 */

/** From the repository, not beside this module: that is a bundle under `.build/` in `npm start`. */
const SCRIPT = join(REPOSITORY_ROOT, 'server/orphanReaperMain.mjs')

/** Each child the reaper is to kill: pid → its start time (`processStartTime`). */
const listed = new Map<number, string>()

let reaper: ChildProcess | undefined

/** Has `child` (in a session of its own) killed when this process dies, however it dies. */
export function reapWhenOrphaned(child: ChildProcess): void {
  const pid = child.pid
  // Read before Node.js reaps the child (at the earliest after this turn), so it is this child's.
  const started = pid === undefined ? undefined : processStartTime(pid)
  // A child that failed to spawn never ran.
  if (pid === undefined || started === undefined) return
  listed.set(pid, started)
  if (reaper === undefined) reaper = startReaper()
  else tell(reaper, `+${pid} ${started}`)
  child.once('exit', () => {
    listed.delete(pid)
    if (reaper !== undefined) tell(reaper, `-${pid}`)
  })
}

/** Starts a reaper told of every child listed. */
function startReaper(): ChildProcess {
  const started = spawn(process.execPath, [SCRIPT], {
    // Its stderr is this process's, where a failure of its own shows.
    stdio: ['pipe', 'ignore', 'inherit'],
    // setsid(2): the signals that end this process's group or session (Ctrl-C, the shell's
    // SIGHUP) must not end the reaper with it.
    detached: true,
  })
  // Neither the reaper nor the pipe to it keeps this process alive.
  started.unref()
  ;(started.stdin as Socket).unref()
  // A reaper that ended (killed by someone) breaks the pipe: the next child starts another.
  started.stdin!.on('error', () => {})
  started.once('exit', () => {
    if (reaper === started) reaper = undefined
  })
  for (const [pid, time] of listed) tell(started, `+${pid} ${time}`)
  return started
}

function tell(to: ChildProcess, line: string): void {
  to.stdin!.write(`${line}\n`)
}
