import { readFileSync } from 'node:fs'

/**
 * CPU time used by other processes, read from Linux's /proc, to say where a benchmark's shared
 * cores went: per transfer, a figure that holds still when the machine is noisy, and whose sum
 * over the processes bounds the rate the machine can carry at all.
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

/** Starts counting the CPU of named processes; `stop` gives the milliseconds each used since. */
export function startCpuAccounting(processes: Readonly<Record<string, number | undefined>>) {
  const start = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [name, cpuMillisOf(pid)]),
  )
  const selfStart = process.cpuUsage()
  return {
    stop(): Record<string, number> {
      const used: Record<string, number> = {}
      for (const [name, pid] of Object.entries(processes)) {
        const before = start[name]
        const after = cpuMillisOf(pid)
        if (before !== undefined && after !== undefined) used[name] = after - before
      }
      const self = process.cpuUsage(selfStart)
      used.loadGenerator = (self.user + self.system) / 1000
      return used
    },
  }
}
