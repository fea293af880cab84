import { describe, expect, it } from 'vitest'
import type { FinalizedBatch } from './replicaState.ts'
import { RootCheckpoints } from './rootCheckpoints.ts'

/** Batch `index` released by the sync point `syncPoint` (parent `parent`) at `seconds`. */
const batch = (index: number, syncPoint: number, parent: number, seconds: number) =>
  ({
    index,
    body: '[]',
    chainingHash: '',
    timestamp: seconds,
    finalization: { index: syncPoint, parentIndex: parent },
  }) satisfies FinalizedBatch

describe('RootCheckpoints', () => {
  it('are the sync points whose time enters a new period, whatever the batches between', () => {
    const sequence = [
      batch(1, 2, 0, 100),
      batch(2, 2, 0, 100), // sync point, parent unknown: no checkpoint
      batch(3, 3, 2, 100), // same second as its parent
      batch(4, 6, 3, 101),
      batch(5, 6, 3, 101),
      batch(6, 6, 3, 101), // the first sync point of second 101
      batch(7, 7, 6, 101),
      batch(8, 8, 7, 105), // a pause: the next sync point is one
    ]
    const rule = new RootCheckpoints(1)
    expect(sequence.filter((b) => rule.isCheckpoint(b)).map((b) => b.index)).toEqual([6, 8])
    const everyTwo = new RootCheckpoints(2)
    expect(sequence.filter((b) => everyTwo.isCheckpoint(b)).map((b) => b.index)).toEqual([8])
  })

  it('take none without finalization data, nor from a sync point whose parent was not seen', () => {
    const rule = new RootCheckpoints(1)
    const legacy = { index: 1, body: '[]', chainingHash: '', timestamp: undefined }
    expect(rule.isCheckpoint(legacy)).toBe(false)
    expect(rule.isCheckpoint({ ...legacy, timestamp: 5 })).toBe(false)
    // A restart at 10: the first sync point's parent (9) is unknown here.
    expect(rule.isCheckpoint(batch(11, 11, 9, 200))).toBe(false)
    expect(rule.isCheckpoint(batch(12, 12, 11, 201))).toBe(true)
  })
})
