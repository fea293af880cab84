import { describe, expect, it } from 'vitest'
import {
  isFinal,
  requestsReducer,
  stageAfterFailedSubmit,
  type TrackedRequest,
} from './requestsState.ts'

const request: TrackedRequest = {
  key: 'a',
  action: 'transfer',
  title: 'Transfer',
  text: 't',
  intentId: '0x1',
  signer: '0xaa',
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

  it('keeps watching a request whose delivery is unknown until a receipt settles it', () => {
    expect(isFinal('unknown')).toBe(false)
    let state = requestsReducer([], { type: 'add', request })
    state = requestsReducer(state, { type: 'update', key: 'a', patch: { stage: 'unknown' } })
    state = requestsReducer(state, { type: 'update', key: 'a', patch: { stage: 'submitting' } })
    expect(state[0]!.stage).toBe('unknown')
    state = requestsReducer(state, {
      type: 'update',
      key: 'a',
      patch: { stage: 'applied', appliedBy: 3 },
    })
    expect(state[0]).toMatchObject({ stage: 'applied', appliedBy: 3 })
  })
})

describe('stageAfterFailedSubmit', () => {
  const http = (code: string) => ({ kind: 'http' as const, code, message: code })

  it('never calls rejected what may have reached Zellular', () => {
    // An older replica's 503 for a send that may have delivered the batch.
    expect(stageAfterFailedSubmit([http('sequencer_unavailable')]).stage).toBe('unknown')
    // Sent, and no answer: the replica may have passed it on.
    expect(stageAfterFailedSubmit([{ kind: 'timeout', message: 'no answer' }]).stage).toBe(
      'unknown',
    )
    // Another replica already holds this very intent after an attempt that may have arrived.
    const retried = [{ kind: 'timeout' as const, message: 'no answer' }, http('replay')]
    expect(stageAfterFailedSubmit(retried).stage).toBe('unknown')
    // A 2xx the app could not read: the replica took it.
    const unread = [{ kind: 'invalid_response' as const, message: 'unexpected answer' }]
    expect(stageAfterFailedSubmit(unread).stage).toBe('unknown')
  })

  it('calls rejected what every replica refused before sending', () => {
    expect(stageAfterFailedSubmit([http('insufficient_available')])).toEqual({
      stage: 'rejected',
      reason: 'insufficient_available',
    })
    const busy = [http('overloaded'), http('rate_limited'), http('overloaded')]
    expect(stageAfterFailedSubmit(busy)).toEqual({ stage: 'rejected', reason: 'overloaded' })
    expect(stageAfterFailedSubmit([http('replay')]).stage).toBe('rejected')
    expect(stageAfterFailedSubmit([{ kind: 'other', message: 'bug' }]).stage).toBe('failed')
  })
})
