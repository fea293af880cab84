import { describe, expect, it } from 'vitest'
import { fixtureRequest } from '../../testing/requestFixture.ts'
import { requestsReducer, type TrackedRequest } from './requestsState.ts'
import { appliedAfterSigningMs, durationText } from './requestTiming.ts'

const started = fixtureRequest({ key: 'k', action: 'order', startedAt: 1_000 })

describe('how long a request took', () => {
  it('keeps when each stage was reached, and times applied from the signature', () => {
    let state = [started]
    const move = (patch: Partial<TrackedRequest>, at: number) =>
      (state = requestsReducer(state, { type: 'update', key: 'k', patch, at }))
    move({ stage: 'submitting' }, 3_000)
    move({ stage: 'submitted' }, 3_050)
    expect(appliedAfterSigningMs(state[0]!)).toBeUndefined()
    move({ stage: 'applied', appliedBy: 2 }, 3_480)
    // A recount of replicas later moves no stage: the time stays.
    move({ stage: 'applied', appliedBy: 3 }, 4_000)
    expect(state[0]!.stagedAt).toEqual({ submitting: 3_000, submitted: 3_050, applied: 3_480 })
    expect(appliedAfterSigningMs(state[0]!)).toBe(480)
    // A late answer cannot move it back, nor restamp a stage.
    move({ stage: 'finalized' }, 5_000)
    expect(state[0]!.stagedAt?.finalized).toBeUndefined()
  })

  it('says durations briefly', () => {
    expect(durationText(480)).toBe('0.48 s')
    expect(durationText(9_994)).toBe('9.99 s')
    expect(durationText(12_400)).toBe('12 s')
  })
})
