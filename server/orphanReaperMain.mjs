// @ts-check
/*
 * The orphan reaper's process (`server/orphanReaper.ts` starts it): it kills the children of a
 * process that died without killing them itself. That process (the chaos harness) holds the only
 * write end of this process's stdin and writes one line per child in a session of its own:
 * `+<pid> <start time>` when it starts one, `-<pid>` when it saw it exit. When stdin ends, the
 * kernel has closed the writer's descriptors: it ended, by whatever means (SIGKILL, SIGQUIT, an
 * OOM kill: none of which runs its code), so each child still listed is sent SIGKILL, which also
 * ends a stopped (paused) one, and this process exits. After a normal exit, which killed its
 * children itself, the list holds nothing, or children whose exit it had no time to hear of.
 * Plain JavaScript, run from the repository as it is, whether its starter runs from source or
 * from the compiled bundles.
 */
import { processStartTime } from './processStartTime.mjs'

/** pid → its start time when listed: a pid reused since then names another process. */
const listed = new Map()
let partial = ''

process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  const lines = (partial + chunk).split('\n')
  // A line may arrive split across two chunks: its start waits for the rest.
  partial = lines.pop() ?? ''
  for (const line of lines) {
    const [pid, started] = line.slice(1).split(' ')
    if (line.startsWith('+')) listed.set(Number(pid), started)
    else if (line.startsWith('-')) listed.delete(Number(pid))
  }
})
// An error reading stdin leaves no writer to hear from either.
process.stdin.once('end', reap)
process.stdin.once('error', reap)

function reap() {
  for (const [pid, started] of listed) {
    if (processStartTime(pid) !== started) continue
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Ended between the check and the kill.
    }
  }
  process.exit(0)
}
