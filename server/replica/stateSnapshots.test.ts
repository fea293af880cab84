import { describe, expect, it } from 'vitest'
import type { StateSnapshot } from '../../shared/api/index.ts'
import { StateSnapshots } from './stateSnapshots.ts'

/** Snapshots of a state whose index the test moves; counts how often one was taken. */
function snapshotsOf(waitersMax?: number) {
  const world = { index: 0, taken: 0 }
  const take = () => {
    world.taken += 1
    return { version: 1, index: world.index } as unknown as StateSnapshot
  }
  return { world, snapshots: new StateSnapshots(take, waitersMax) }
}

describe('StateSnapshots', () => {
  it('takes one snapshot per index and shares its text', () => {
    const { world, snapshots } = snapshotsOf()
    world.index = 4
    const first = snapshots.now(4)
    expect(snapshots.now(4)).toBe(first)
    expect(JSON.parse(first.body)).toMatchObject({ index: 4 })
    world.index = 9
    expect(snapshots.now(9).index).toBe(9)
    expect(world.taken).toBe(2)
  })

  it('gives waiting requests the snapshot of the next hash at the applied index', async () => {
    const { world, snapshots } = snapshotsOf()
    const waiting = [snapshots.next(5_000), snapshots.next(5_000)]
    world.index = 12
    snapshots.hashedAtApplied(12)
    const served = await Promise.all(waiting)
    expect(served.map((one) => (one === 'full' ? one : one?.index))).toEqual([12, 12])
    expect(world.taken).toBe(1)
    // With nobody waiting, a hash takes no snapshot: its O(state) cost is paid only on demand.
    snapshots.hashedAtApplied(13)
    expect(world.taken).toBe(1)
  })

  it('answers undefined when no hash comes in time, and refuses waiters past its limit', async () => {
    const { snapshots } = snapshotsOf(2)
    const waiting = [snapshots.next(20), snapshots.next(20)]
    expect(await snapshots.next(20)).toBe('full')
    expect(await Promise.all(waiting)).toEqual([undefined, undefined])
    // Timed-out waiters leave: there is room again.
    const again = snapshots.next(10)
    snapshots.hashedAtApplied(3)
    expect(await again).toMatchObject({ index: 3 })
  })
})
