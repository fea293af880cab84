import { describe, expect, expectTypeOf, it } from 'vitest'
import type { PrecheckRejectReason } from '../exchange/index.ts'
import type { LedgerRejectReason } from '../ledger/index.ts'
import type {
  CancelReason,
  OrderUnitsRejectReason,
  RejectReason as OrderRejectReason,
} from '../orderbook/index.ts'
import type { VerifyIntentRejectReason } from './verifyIntent.ts'
import {
  intentRejectReasons,
  isStableReasonCode,
  stableReasonCodes,
  type StableReasonCode,
} from './rejectReasons.ts'

describe('stableReasonCodes', () => {
  it('lists each code once and every intent reason first, in order', () => {
    expect(new Set(stableReasonCodes).size).toBe(stableReasonCodes.length)
    expect(stableReasonCodes.slice(0, intentRejectReasons.length)).toEqual(intentRejectReasons)
  })

  it('holds every code the modules produce (checked by the type checker)', () => {
    expectTypeOf<LedgerRejectReason>().toExtend<StableReasonCode>()
    expectTypeOf<OrderRejectReason>().toExtend<StableReasonCode>()
    expectTypeOf<OrderUnitsRejectReason>().toExtend<StableReasonCode>()
    expectTypeOf<CancelReason>().toExtend<StableReasonCode>()
    expectTypeOf<PrecheckRejectReason>().toExtend<StableReasonCode>()
    expectTypeOf<VerifyIntentRejectReason>().toExtend<StableReasonCode>()
  })

  it('tells a stable code from other text', () => {
    expect(isStableReasonCode('ioc_remainder')).toBe(true)
    expect(isStableReasonCode('toString')).toBe(false)
    expect(isStableReasonCode('IOC_REMAINDER')).toBe(false)
  })
})
