import { describe, expect, it } from 'vitest'
import { environmentFlags } from './environmentFlags.ts'

describe('environmentFlags', () => {
  it('takes each pair of the flag, the value being all after its first =', () => {
    const argv = [
      '--zellular-env=ZSEQUENCER_ROUND_GAP=0.05',
      '--replica-env=A=1',
      '--zellular-env=NODE_OPTIONS=--cpu-prof --cpu-prof-dir=/tmp/p',
      '--seconds=20',
    ]
    expect(environmentFlags(argv, 'zellular-env')).toEqual({
      ZSEQUENCER_ROUND_GAP: '0.05',
      NODE_OPTIONS: '--cpu-prof --cpu-prof-dir=/tmp/p',
    })
    expect(environmentFlags(argv, 'replica-env')).toEqual({ A: '1' })
  })

  it('refuses a pair without a name', () => {
    expect(() => environmentFlags(['--replica-env=0.05'], 'replica-env')).toThrow(RangeError)
    expect(() => environmentFlags(['--replica-env==1'], 'replica-env')).toThrow(RangeError)
  })
})
