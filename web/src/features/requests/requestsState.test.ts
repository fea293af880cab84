import { describe, expect, it } from 'vitest'
import { fixtureRequest } from '../../testing/requestFixture.ts'
import { decideRequestOutcome } from './requestOutcome.ts'
import { reasonCode, reasonText } from './requestReason.ts'
import {
  isFinal,
  requestsReducer,
  stageAfterFailedSubmit,
  visibleRequests,
} from './requestsState.ts'

const request = fixtureRequest()

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

  it('the reject code of a quorum replaces the text of an unknown delivery', () => {
    let state = requestsReducer([], { type: 'add', request })
    const patch = { stage: 'unknown' as const, reason: reasonText('No answer in time') }
    state = requestsReducer(state, { type: 'update', key: 'a', patch })
    state = requestsReducer(state, {
      type: 'update',
      key: 'a',
      patch: { stage: 'rejected', reason: reasonCode('insufficient_available') },
    })
    expect(state[0]!.reason).toEqual({ kind: 'code', code: 'insufficient_available' })
  })

  it('cancels, without a reason, a prompt left open by an account switch, and keeps it in view', () => {
    let state = requestsReducer([], { type: 'add', request })
    state = requestsReducer(state, { type: 'accountChanged', address: '0xBB' })
    expect(state[0]).toEqual({ ...request, stage: 'cancelled' })
    expect(visibleRequests(state, '0xbb').map((r) => r.key)).toEqual(['a'])
    const other = { ...request, key: 'b', signer: '0xcc', stage: 'failed' as const }
    expect(visibleRequests([other], '0xbb')).toEqual([])
  })
})

describe('stageAfterFailedSubmit', () => {
  const http = (code: string) => ({ kind: 'http' as const, code, message: code })
  /** Of 3 replicas, 2 make a quorum. */
  const quorum = 2

  it('never calls rejected what may have reached Zellular', () => {
    // An older replica's 503 for a send that may have delivered the batch.
    expect(stageAfterFailedSubmit([http('sequencer_unavailable')], quorum).stage).toBe('unknown')
    // Sent, and no answer: the replica may have passed it on.
    const silent = [{ kind: 'timeout' as const, message: 'no answer' }]
    expect(stageAfterFailedSubmit(silent, quorum).stage).toBe('unknown')
    // Another replica already holds this very intent after an attempt that may have arrived.
    const retried = [{ kind: 'timeout' as const, message: 'no answer' }, http('replay')]
    expect(stageAfterFailedSubmit(retried, quorum).stage).toBe('unknown')
    // A 2xx the app could not read: the replica took it.
    const unread = [{ kind: 'invalid_response' as const, message: 'unexpected answer' }]
    expect(stageAfterFailedSubmit(unread, quorum).stage).toBe('unknown')
  })

  it('one replica refusing does not reject: it may have sent the intent itself', () => {
    // A lying primary posts the signed intent to Zellular, then answers 400.
    expect(stageAfterFailedSubmit([http('insufficient_available')], quorum)).toEqual({
      stage: 'unknown',
      reason: { kind: 'code', code: 'insufficient_available' },
    })
    // After its refusal the others know the intent: it is in Zellular, not refused.
    const held = [http('insufficient_available'), http('replay'), http('replay')]
    expect(stageAfterFailedSubmit(held, quorum).stage).toBe('unknown')
  })

  it('calls rejected what a quorum refused before sending, and says how many refused', () => {
    const refused = [http('insufficient_available'), http('insufficient_available')]
    expect(stageAfterFailedSubmit(refused, quorum)).toEqual({
      stage: 'rejected',
      reason: { kind: 'code', code: 'insufficient_available' },
      refusedBy: 2,
    })
    // The code most of them give, not the first replica's.
    const outvoted = [
      http('expired'),
      http('insufficient_available'),
      http('insufficient_available'),
    ]
    expect(stageAfterFailedSubmit(outvoted, quorum).reason).toEqual({
      kind: 'code',
      code: 'insufficient_available',
    })
    // An API error code that is no reject code reads as its sentence, as text.
    const busy = [http('overloaded'), http('rate_limited'), http('overloaded')]
    expect(stageAfterFailedSubmit(busy, quorum)).toEqual({
      stage: 'rejected',
      reason: { kind: 'text', text: 'Replica is overloaded, try again' },
      refusedBy: 3,
    })
    expect(stageAfterFailedSubmit([{ kind: 'other', message: 'bug' }], quorum).stage).toBe('failed')
  })

  it('keeps an error answer without a code, and transport errors, as text', () => {
    const bare = { kind: 'http' as const, message: 'HTTP 502' }
    expect(stageAfterFailedSubmit([bare, bare], quorum)).toEqual({
      stage: 'rejected',
      reason: { kind: 'text', text: 'HTTP 502' },
      refusedBy: 2,
    })
    // A message that looks like a code is still the replica's prose.
    const wordy = { kind: 'http' as const, message: 'expired' }
    expect(stageAfterFailedSubmit([wordy, wordy], quorum).reason).toEqual({
      kind: 'text',
      text: 'expired',
    })
    const unreachable = { kind: 'network' as const, message: 'Cannot reach 127.0.0.1:9001' }
    expect(stageAfterFailedSubmit([unreachable], quorum)).toEqual({
      stage: 'unknown',
      reason: { kind: 'text', text: 'Cannot reach 127.0.0.1:9001' },
    })
    expect(stageAfterFailedSubmit([{ kind: 'other', message: 'bug' }], quorum).reason).toEqual({
      kind: 'text',
      text: 'bug',
    })
  })
})

describe('a request one replica refused, which a quorum then applies', () => {
  const appliedByQuorum = decideRequestOutcome(
    [
      { status: 'applied', batchIndex: 9, time: 1 },
      { status: 'applied', batchIndex: 9, time: 1 },
      { status: 'applied', batchIndex: 9, time: 1 },
    ],
    2,
  )!

  it('shows applied, not rejected', () => {
    const refusal = stageAfterFailedSubmit(
      [{ kind: 'http', code: 'insufficient_available', message: 'x' }],
      2,
    )
    let state = requestsReducer([], { type: 'add', request: { ...request, stage: 'submitting' } })
    state = requestsReducer(state, { type: 'update', key: 'a', patch: refusal })
    expect(isFinal(state[0]!.stage)).toBe(false)
    state = requestsReducer(state, { type: 'update', key: 'a', patch: appliedByQuorum })
    expect(state[0]).toMatchObject({ stage: 'applied', appliedBy: 3, batchIndex: 9 })
  })

  it('a rejection a quorum decided at submit still yields to a quorum that applied it', () => {
    const refused = { kind: 'http' as const, code: 'insufficient_available', message: 'x' }
    let state = requestsReducer([], { type: 'add', request: { ...request, stage: 'submitting' } })
    const patch = stageAfterFailedSubmit([refused, refused], 2)
    state = requestsReducer(state, { type: 'update', key: 'a', patch })
    expect(state[0]).toMatchObject({ stage: 'rejected', refusedBy: 2 })
    // One replica's receipt is no outcome: the refusal stands.
    state = requestsReducer(state, { type: 'update', key: 'a', patch: { stage: 'finalized' } })
    expect(state[0]!.stage).toBe('rejected')
    state = requestsReducer(state, { type: 'update', key: 'a', patch: appliedByQuorum })
    expect(state[0]).toMatchObject({ stage: 'applied', appliedBy: 3 })
  })

  it('a rejection by the ledger (a quorum of receipts) is final', () => {
    let state = requestsReducer([], { type: 'add', request: { ...request, stage: 'submitted' } })
    const rejected = { status: 'rejected' as const, reason: 'expired' as const, batchIndex: 9 }
    const patch = decideRequestOutcome([rejected, rejected, undefined], 2)!
    state = requestsReducer(state, { type: 'update', key: 'a', patch })
    state = requestsReducer(state, { type: 'update', key: 'a', patch: appliedByQuorum })
    expect(state[0]!.stage).toBe('rejected')
  })
})
