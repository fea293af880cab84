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
  // utime and stime: the 14th and 15th fields of the line.
  return statMillis(pid, 11)
}

/**
 * Milliseconds of CPU used by the children `pid` waited for after they ended (cutime + cstime),
 * or undefined when unreadable: what a process's short-lived helpers (a build) cost it.
 */
export function endedChildrenCpuMillisOf(pid: number | undefined): number | undefined {
  return statMillis(pid, 13)
}

/** Two adjacent tick counts of /proc/<pid>/stat from `first` (after the command name), in ms. */
function statMillis(pid: number | undefined, first: number): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[first]) + Number(fields[first + 1])
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined
  } catch {
    return undefined
  }
}
