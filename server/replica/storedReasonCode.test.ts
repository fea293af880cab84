import { describe, expect, it } from 'vitest'
import { stableReasonCodes } from '../../shared/intents/index.ts'
import { ReplicaStateError } from './applyLoop.ts'
import { storedReasonCode } from './storedReasonCode.ts'

describe('storedReasonCode', () => {
  it('passes every stable code through', () => {
    for (const code of stableReasonCodes) expect(storedReasonCode(code)).toBe(code)
  })

  it('refuses any other text as broken state', () => {
    expect(() => storedReasonCode('Insufficient_available')).toThrow(ReplicaStateError)
    expect(() => storedReasonCode('')).toThrow('stored reason "" is not a stable code')
  })
})
