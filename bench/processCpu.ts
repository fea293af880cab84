import { cpuMillisOf } from '../server/processCpu.ts'

/**
 * CPU time used by other processes, read from Linux's /proc, to say where a benchmark's shared
 * cores went: per transfer, a figure that holds still when the machine is noisy, and whose sum
 * over the processes bounds the rate the machine can carry at all.
 */

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
