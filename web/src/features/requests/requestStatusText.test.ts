import { describe, expect, it } from 'vitest'
import { fixtureRequest } from '../../testing/requestFixture.ts'
import type { StableReasonCode } from '../../../../shared/intents/index.ts'
import { describeReason } from '../../lib/rejectReasonText.ts'
import { reasonCode, reasonText, replicaErrorReason, type RequestReason } from './requestReason.ts'
import type { TrackedRequest } from './requestsState.ts'
import { requestStatusText } from './requestStatusText.ts'

const request = fixtureRequest({ action: 'order', title: 'Buy 1 ETH', stage: 'rejected' })

describe('requestStatusText', () => {
  it('renders a reject code through the sentence table', () => {
    const rejected = { ...request, reason: reasonCode('price_not_on_tick') }
    expect(requestStatusText(rejected)).toBe('Rejected: Price is not on the tick grid')
    const expired = { ...request, reason: reasonCode('expired') }
    expect(requestStatusText(expired)).toBe(`Rejected: ${describeReason('expired')}`)
  })

  it('renders a free-text failure as written, even when it looks like a code', () => {
    const wallet = reasonText('MetaMask: wallet_requestPermissions is pending')
    expect(requestStatusText({ ...request, stage: 'failed', reason: wallet })).toBe(
      'Failed: MetaMask: wallet_requestPermissions is pending',
    )
    const prose = { ...request, reason: reasonText('no_liquidity') }
    expect(requestStatusText(prose)).toBe('Rejected: no_liquidity')
    expect(requestStatusText({ ...request, stage: 'failed' })).toBe('Failed: unknown error')
  })

  it('keeps what users read for the error answers of a replica', () => {
    const pre = { ...request, reason: replicaErrorReason('insufficient_available', 'x') }
    expect(requestStatusText(pre)).toBe('Rejected: Insufficient available balance')
    const busy = { ...request, reason: replicaErrorReason('rate_limited', 'slow down') }
    expect(requestStatusText(busy)).toBe('Rejected: Too many requests, try again shortly')
    const bare = { ...request, reason: replicaErrorReason(undefined, 'HTTP 502') }
    expect(requestStatusText(bare)).toBe('Rejected: HTTP 502')
  })

  it('accepts only stable codes where a code is expected (checked by tsc -p web)', () => {
    // @ts-expect-error free text is not a reject code
    const prose: RequestReason = { kind: 'code', code: 'Cannot reach replica' }
    // @ts-expect-error a reason is a RequestReason, never a bare string
    const bare: TrackedRequest = { ...request, reason: 'no_liquidity' }
    // @ts-expect-error a code is not free text
    const mixed: RequestReason = { kind: 'text', code: 'no_liquidity' }
    const code: StableReasonCode = 'no_liquidity'
    expect(reasonCode(code)).toEqual({ kind: 'code', code: 'no_liquidity' })
    expect([prose.kind, typeof bare.reason, mixed.kind]).toEqual(['code', 'string', 'text'])
  })
})

describe('requestStatusText of a request no longer watched', () => {
  it('says it is no longer checked, and still warns against signing it again', () => {
    const dropped = { ...request, stage: 'unknown' as const, unwatched: true }
    expect(requestStatusText(dropped)).toBe(
      'Not confirmed — no longer checked (too many requests open). It may still apply: do not sign it again',
    )
    const finalized = { ...request, stage: 'finalized' as const, batchIndex: 7, unwatched: true }
    expect(requestStatusText(finalized)).toBe(
      'Finalized by Zellular in batch #7 — no longer checked (too many requests open)',
    )
    // Once final, the flag says nothing more.
    const applied = { ...request, stage: 'applied' as const, unwatched: true }
    expect(requestStatusText(applied)).toBe('Applied')
  })
})
