import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cpuMillisOf, endedChildrenCpuMillisOf } from './processCpu.ts'

describe('process CPU from /proc', () => {
  it('counts the CPU of the children a process waited for, beside its own', () => {
    const ownBefore = cpuMillisOf(process.pid)!
    const endedBefore = endedChildrenCpuMillisOf(process.pid)!
    // A child that spins for 300 ms of CPU, then ends and is waited for.
    const burn =
      'const end = process.cpuUsage().user + 300000; while (process.cpuUsage().user < end);'
    expect(spawnSync(process.execPath, ['-e', burn]).status).toBe(0)
    expect(endedChildrenCpuMillisOf(process.pid)! - endedBefore).toBeGreaterThanOrEqual(250)
    // Its own count goes on apart (other tests in this process may add to both).
    expect(cpuMillisOf(process.pid)!).toBeGreaterThanOrEqual(ownBefore)
  })

  it('is undefined for a process that is not there', () => {
    expect(cpuMillisOf(undefined)).toBeUndefined()
    expect(cpuMillisOf(2 ** 30)).toBeUndefined()
    expect(endedChildrenCpuMillisOf(2 ** 30)).toBeUndefined()
  })
})
