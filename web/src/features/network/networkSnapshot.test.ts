import { describe, expect, it } from 'vitest'
import { calculateNetworkSnapshot } from './networkSnapshot.ts'

const status = (appliedIndex: number, zellularFinalizedIndex: number | null) => ({
  appliedIndex,
  zellularFinalizedIndex,
  lag: zellularFinalizedIndex === null ? null : zellularFinalizedIndex - appliedIndex,
})

describe('calculateNetworkSnapshot', () => {
  it('measures every replica against the one finalized index the panel shows', () => {
    // replica-1 answered before batch 9 was finalized, replica-2 after it applied it.
    const snapshot = calculateNetworkSnapshot(
      [{ finalizedIndex: 9 }],
      [
        { id: 'replica-1', status: status(8, 8) },
        { id: 'replica-2', status: status(9, 9) },
        { id: 'replica-3', status: undefined },
      ],
    )
    expect(snapshot.finalized).toBe(9)
    expect(snapshot.replicas).toEqual([
      { id: 'replica-1', appliedIndex: 8, lag: 1 },
      { id: 'replica-2', appliedIndex: 9, lag: 0 },
      { id: 'replica-3', appliedIndex: undefined, lag: undefined },
    ])
  })

  it('never shows a replica ahead of finalized: an applied index raises finalized', () => {
    const snapshot = calculateNetworkSnapshot(
      [{ finalizedIndex: 5 }, { finalizedIndex: null }],
      [
        { id: 'replica-1', status: status(7, 6) },
        { id: 'replica-2', status: status(4, null) },
      ],
    )
    expect(snapshot.finalized).toBe(7)
    expect(snapshot.replicas.map((replica) => replica.lag)).toEqual([0, 3])
  })

  it('knows nothing before anyone answers', () => {
    const snapshot = calculateNetworkSnapshot([], [{ id: 'replica-1', status: undefined }])
    expect(snapshot).toEqual({
      finalized: undefined,
      replicas: [{ id: 'replica-1', appliedIndex: undefined, lag: undefined }],
    })
  })
})
