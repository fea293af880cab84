import { describe, expect, it } from 'vitest'
import { SigningBudget } from './signingBudget.ts'

/** A budget of 100 a second (burst 100: 75 open, a reserve of 25, shares of 5) on a fake clock. */
function budget() {
  const clock = { ms: 0 }
  const signing = new SigningBudget({
    signaturesPerSecond: 100,
    signaturesBurst: 100,
    now: () => clock.ms,
  })
  return { signing, clock }
}

/** Takes one signature at a time for `client` until refused; how many it got. */
function drain(signing: SigningBudget, client: string | undefined): number {
  let taken = 0
  while (signing.take(client, 1) === 0) taken += 1
  return taken
}

describe('SigningBudget', () => {
  it('gives one client the open part and its share of the reserve, never the whole', () => {
    const { signing } = budget()
    // 75 open; its share (5) was charged by them, so none of the reserve.
    expect(drain(signing, 'a')).toBe(75)
    // Clients within their share take the reserve, five at a time.
    for (const client of ['b', 'c', 'd', 'e', 'f']) expect(drain(signing, client)).toBe(5)
    expect(signing.take('g', 1)).toBeGreaterThan(0)
  })

  it('refills at its rate, the reserve first, and says how long until it could pay', () => {
    const { signing, clock } = budget()
    expect(drain(signing, 'a')).toBe(75)
    expect(drain(signing, 'b')).toBe(5)
    // Past its share: it waits for the open part, 1 signature above the 25 of the reserve.
    expect(signing.take('a', 1)).toBe(60)
    clock.ms += 50
    // 5 more: all in the reserve, which the client past its share cannot reach, others can.
    expect(signing.take('a', 1)).toBe(10)
    expect(signing.take('c', 3)).toBe(0)
    clock.ms += 10_000
    expect(drain(signing, undefined)).toBe(100)
    // Empty: the time until it holds 4.
    expect(signing.take('c', 4)).toBe(40)
  })

  it('lets a caller whose clients are not told apart take the whole bucket', () => {
    const { signing } = budget()
    expect(drain(signing, undefined)).toBe(100)
  })

  it('takes a full bucket for a read larger than it, so that the read can pass', () => {
    const clock = { ms: 0 }
    const signing = new SigningBudget({
      signaturesPerSecond: 1,
      signaturesBurst: 2,
      now: () => clock.ms,
    })
    expect(signing.take(undefined, 3)).toBe(0)
    expect(signing.take(undefined, 3)).toBe(2000)
  })

  it('refuses parameters that could never pay', () => {
    expect(() => new SigningBudget({ signaturesPerSecond: 0, signaturesBurst: 10 })).toThrow(
      RangeError,
    )
    expect(() => new SigningBudget({ signaturesPerSecond: 1, signaturesBurst: 0.5 })).toThrow(
      RangeError,
    )
  })
})
