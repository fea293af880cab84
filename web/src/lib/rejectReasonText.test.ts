import { describe, expect, it } from 'vitest'
import { stableReasonCodes } from '../../../shared/intents/index.ts'
import { describeReason, hasReasonText } from './rejectReasonText.ts'

describe('describeReason', () => {
  it('has a sentence for every stable code', () => {
    const missing = stableReasonCodes.filter((code) => !hasReasonText(code))
    expect(missing).toEqual([])
    for (const code of stableReasonCodes) {
      expect(describeReason(code)).not.toContain('_')
    }
  })

  it('reads ledger, orderbook and cancel codes', () => {
    expect(describeReason('expired')).toMatch(/too old/)
    expect(describeReason('no_liquidity')).toBe('No liquidity to match against')
    expect(describeReason('self_trade_prevention')).toMatch(/your own order/)
    expect(describeReason('no_open_orders')).toBe('No open orders to cancel')
  })

  it('an unknown code reads as its words', () => {
    expect(describeReason('some_new_code')).toBe('Some new code')
    expect(hasReasonText('some_new_code')).toBe(false)
    expect(describeReason('toString')).toBe('ToString')
  })
})
