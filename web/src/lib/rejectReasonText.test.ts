import { describe, expect, it } from 'vitest'
import { stableReasonCodes } from '../../../shared/intents/index.ts'
import { describeErrorCode, describeReason } from './rejectReasonText.ts'

describe('describeReason', () => {
  it('has a sentence of its own for every stable code', () => {
    for (const code of stableReasonCodes) {
      expect(describeReason(code)).not.toContain('_')
      expect(describeReason(code)).not.toBe(describeErrorCode('some_new_code'))
    }
  })

  it('reads ledger, orderbook and cancel codes', () => {
    expect(describeReason('expired')).toMatch(/too old/)
    expect(describeReason('no_liquidity')).toBe('No liquidity to match against')
    expect(describeReason('self_trade_prevention')).toMatch(/your own order/)
    expect(describeReason('no_open_orders')).toBe('No open orders to cancel')
  })

  it('takes only stable codes', () => {
    // @ts-expect-error an API error code is not a reject reason: describeErrorCode reads those
    describeReason('rate_limited')
  })
})

describe('describeErrorCode', () => {
  it('reads stable codes and submission errors with their sentences', () => {
    expect(describeErrorCode('no_liquidity')).toBe(describeReason('no_liquidity'))
    expect(describeErrorCode('rate_limited')).toBe('Too many requests, try again shortly')
  })

  it('reads an unknown code as its words', () => {
    expect(describeErrorCode('some_new_code')).toBe('Some new code')
    expect(describeErrorCode('toString')).toBe('ToString')
  })
})
