import { readFileSync } from 'node:fs'

/*
 * CPU time used by a process, read from Linux's /proc: where shared cores went, for the
 * benchmarks (per operation) and the chaos suite (per second, to tell a starved or spinning
 * process from a waiting one).
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on every Linux we run). */
const TICKS_PER_SECOND = 100

/** Milliseconds of CPU (user + system) used so far by `pid`, or undefined when unreadable. */
export function cpuMillisOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name (which may hold spaces): utime is the 14th
    // field of the line, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined
  } catch {
    return undefined
  }
}
