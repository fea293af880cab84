import { describe, expect, it } from 'vitest'
import { StateHashSchedule } from './stateHashSchedule.ts'

/**
 * A state whose index moves as batches apply, and whose hash costs `costMs` of CPU on fake
 * clocks; `stalledMs` more of wall time pass during it (the process stopped or starved).
 */
function fakeState(costMs: number, stalledMs = 0) {
  const world = { now: 0, cpu: 0, applied: 0 }
  const schedule = new StateHashSchedule({
    compute: () => {
      world.now += costMs + stalledMs
      world.cpu += costMs
      return { index: world.applied, hash: `0x${world.applied.toString(16).padStart(64, '0')}` }
    },
    appliedIndex: () => world.applied,
    intervalMs: 1_000,
    costFactor: 20,
    clock: () => world.now,
    cpuClock: () => world.cpu,
  })
  return { world, schedule }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('StateHashSchedule', () => {
  it('hashes at start, then at most once per interval however many batches apply', () => {
    const { world, schedule } = fakeState(1)
    expect(schedule.latest().index).toBe(0) // computed when first asked
    const hashed: number[] = []
    for (let batch = 1; batch <= 1_000; batch++) {
      world.applied = batch
      world.now += 10 // 100 batches a second
      if (schedule.afterApply(batch) !== undefined) hashed.push(batch)
    }
    // 10 s of batches: one hash per second, each on the batch that was current then.
    expect(hashed.length).toBeGreaterThanOrEqual(9)
    expect(hashed.length).toBeLessThanOrEqual(11)
    expect(schedule.computed).toBe(hashed.length + 1) // + the first read of `latest`
    expect(schedule.latest().index).toBe(hashed.at(-1))
  })

  it('waits longer when a hash is expensive, bounding the CPU it uses', () => {
    const { world, schedule } = fakeState(200) // a large state: 200 ms a hash
    let hashes = 0
    for (let batch = 1; batch <= 6_000; batch++) {
      world.applied = batch
      world.now += 10
      if (schedule.afterApply(batch) !== undefined) hashes += 1
    }
    // 60 s of batches (plus the hashing time): every 20 × 200 ms = 4 s, not every second.
    expect(hashes).toBeGreaterThanOrEqual(10)
    expect(hashes).toBeLessThanOrEqual(18)
  })

  it('measures a hash by the CPU it used: one stalled by a pause holds the next back no longer', () => {
    // SIGSTOP for 8 s in the middle of a 1 ms hash: by the wall clock it "cost" 8 s, and the
    // next would wait 20 × 8 s (a chaos run found replicas not converging after healing).
    const { world, schedule } = fakeState(1, 8_000)
    world.applied = 1
    expect(schedule.latest().index).toBe(1)
    world.applied = 2
    world.now += 1_500
    expect(schedule.latest().index).toBe(2)
    expect(schedule.computed).toBe(2)
  })

  it('does not hash a batch of a group that is not the applied index', () => {
    const { world, schedule } = fakeState(1)
    world.now = 5_000
    world.applied = 3 // batches 1..3 were committed together
    expect(schedule.afterApply(1)).toBeUndefined()
    expect(schedule.afterApply(2)).toBeUndefined()
    expect(schedule.afterApply(3)).toMatch(/^0x0+3$/)
    // A second listener asking about the same index gets the same hash without hashing again.
    expect(schedule.afterApply(3)).toMatch(/^0x0+3$/)
    expect(schedule.computed).toBe(1)
  })

  it('catches up with the applied index when read after the interval', async () => {
    const world = { applied: 0 }
    const schedule = new StateHashSchedule({
      compute: () => ({ index: world.applied, hash: `0x${'ab'.repeat(32)}` }),
      appliedIndex: () => world.applied,
      intervalMs: 50,
    })
    world.applied = 7
    expect(schedule.afterApply(7)).toBeDefined() // the first is always due
    world.applied = 8
    // Right after a hash none is due: the batch goes without one...
    expect(schedule.afterApply(8)).toBeUndefined()
    expect(schedule.latest().index).toBe(7)
    // ...and a read once the interval has passed brings the hash to index 8.
    await sleep(200)
    expect(schedule.latest().index).toBe(8)
    expect(schedule.computed).toBe(2)
    // Quiet: reads at the same applied index hash no more, however late they come.
    await sleep(150)
    expect(schedule.latest().index).toBe(8)
    expect(schedule.computed).toBe(2)
  })
})

describe('StateHashSchedule with root checkpoints', () => {
  it('hashes at each checkpoint and at a pause, never at whatever index a read finds', () => {
    const { world, schedule } = fakeState(1)
    schedule.applied(0, false)
    const hashedAt = () => schedule.latest().index
    for (let batch = 1; batch <= 300; batch++) {
      world.applied = batch
      world.now += 10
      schedule.applied(batch, batch % 100 === 0) // a checkpoint every 100 batches (1 s)
      hashedAt() // /status reads in between
    }
    // Busy: reads got the checkpoints' hashes only (and the very first read's).
    expect(schedule.computed).toBe(4)
    expect(hashedAt()).toBe(300)
    world.applied = 305
    schedule.applied(305, false)
    world.now += 500
    expect(hashedAt()).toBe(300) // still within the interval of the last batch
    world.now += 600
    expect(hashedAt()).toBe(305) // a pause: the tip is hashed
  })

  it('skips a checkpoint only when hashing is expensive', () => {
    const { world, schedule } = fakeState(200)
    world.applied = 1
    schedule.applied(1, true)
    expect(schedule.computed).toBe(1)
    world.applied = 2
    world.now += 1_000
    schedule.applied(2, true) // 200 ms × 20 = 4 s not yet passed
    expect(schedule.computed).toBe(1)
    world.applied = 3
    world.now += 3_500
    schedule.applied(3, true)
    expect(schedule.computed).toBe(2)
    expect(schedule.latest().index).toBe(3)
  })
})
