import { describe, expect, it } from 'vitest'
import { faucetOutcomeText, parseFaucetOutcome } from './faucetOutcome.ts'

describe('faucetOutcomeText', () => {
  it('says which tokens a partial grant minted and which it did not', () => {
    const answer = {
      granted: [{ token: 'USDT', amount: '10000' }, { token: 'BTC' }],
      refused: [{ token: 'ETH', reason: 'rate_limited', uncertain: false }],
    }
    expect(faucetOutcomeText(parseFaucetOutcome(answer))).toBe(
      'Minted USDT, BTC; ETH not minted, try again later',
    )
    expect(faucetOutcomeText(parseFaucetOutcome({ ...answer, refused: [] }))).toBe('Minted')
  })
})
