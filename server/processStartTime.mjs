// @ts-check
import { readFileSync } from 'node:fs'

/**
 * When process `pid` started: field 22 of its `/proc/<pid>/stat`, in clock ticks since boot, as
 * the text it is there; undefined once it is gone (Linux only). With the pid it names one
 * process, where a pid alone may name a later one that the kernel gave the same number.
 * Plain JavaScript, for the orphan reaper's script (`orphanReaperMain.mjs`) as well.
 * @param {number} pid
 * @returns {string | undefined}
 */
export function processStartTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The fields from the third on follow the command's name, which may hold spaces and ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}
