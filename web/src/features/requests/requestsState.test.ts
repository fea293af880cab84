import { describe, expect, it } from 'vitest'
import { requestsReducer, type TrackedRequest } from './requestsState.ts'

const request: TrackedRequest = {
  key: 'a',
  action: 'transfer',
  title: 'Transfer',
  text: 't',
  intentId: '0x1',
  stage: 'wallet',
  startedAt: 0,
}

describe('requestsReducer', () => {
  it('moves forward and never backwards or out of a final stage', () => {
    let state = requestsReducer([], { type: 'add', request })
    state = requestsReducer(state, {
      type: 'update',
      key: 'a',
      patch: { stage: 'finalized', batchIndex: 7 },
    })
    state = requestsReducer(state, { type: 'update', key: 'a', patch: { stage: 'submitted' } })
    expect(state[0]).toMatchObject({ stage: 'finalized', batchIndex: 7 })
    state = requestsReducer(state, {
      type: 'update',
      key: 'a',
      patch: { stage: 'applied', appliedBy: 2 },
    })
    state = requestsReducer(state, {
      type: 'update',
      key: 'a',
      patch: { stage: 'finalized', appliedBy: 3 },
    })
    expect(state[0]).toMatchObject({ stage: 'applied', appliedBy: 3 })
    state = requestsReducer(state, { type: 'update', key: 'a', patch: { stage: 'rejected' } })
    expect(state[0]!.stage).toBe('applied')
  })

  it('clears finished requests only', () => {
    let state = requestsReducer([], { type: 'add', request })
    state = requestsReducer(state, {
      type: 'add',
      request: { ...request, key: 'b', stage: 'declined' },
    })
    expect(requestsReducer(state, { type: 'clearFinished' }).map((r) => r.key)).toEqual(['a'])
  })
})
