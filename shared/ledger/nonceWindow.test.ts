import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  checkNonce,
  isNonceWindowText,
  nonceMaxAgeMs,
  nonceMaxLeadMs,
  nonceWindowSize,
  NonceWindows,
  type NonceVerdict,
} from './nonceWindow.ts'

const signer = '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const T = 1_800_000_000_000 // a batch time, ms
const at = (offset: number) => BigInt(T + offset)

/** A window holding `count` nonces T + 1 … T + count. */
function windowOf(count: number, size = nonceWindowSize): NonceWindows {
  const windows = new NonceWindows(size)
  for (let i = 1; i <= count; i++) windows.use(signer, at(i))
  return windows
}

describe('checkNonce', () => {
  it('accepts an unused nonce inside (T − 2 days, T + 1 day), bounds excluded', () => {
    expect(checkNonce([], at(0), T)).toBe('fresh')
    expect(checkNonce([], at(-nonceMaxAgeMs + 1), T)).toBe('fresh')
    expect(checkNonce([], at(nonceMaxLeadMs - 1), T)).toBe('fresh')
    expect(checkNonce([], at(-nonceMaxAgeMs), T)).toBe('expired')
    expect(checkNonce([], at(nonceMaxLeadMs), T)).toBe('expired')
    expect(checkNonce([], 1n, T)).toBe('expired')
    expect(checkNonce([], 2n ** 64n - 1n, T)).toBe('expired')
  })

  it('refuses a kept nonce as used, whatever the time', () => {
    expect(checkNonce([at(1), at(5)], at(5), T)).toBe('nonce_already_used')
    expect(checkNonce([1n], 1n, T)).toBe('nonce_already_used')
  })

  it('refuses a nonce below a full window, and accepts one below a window with room', () => {
    const full = Array.from({ length: 3 }, (_, i) => at(10 + i))
    expect(checkNonce(full, at(9), T, 3)).toBe('nonce_too_low')
    expect(checkNonce(full, at(11), T, 3)).toBe('nonce_already_used')
    expect(checkNonce(full, at(13), T, 3)).toBe('fresh')
    expect(checkNonce(full.slice(1), at(9), T, 3)).toBe('fresh')
  })
})

describe('NonceWindows', () => {
  it('keeps the N highest nonces: a full window evicts its smallest', () => {
    const windows = windowOf(nonceWindowSize)
    expect(windows.kept(signer)).toHaveLength(nonceWindowSize)
    expect(windows.check(signer, at(0), T)).toBe('nonce_too_low')
    expect(windows.use(signer, at(500))).toBe(at(1))
    expect(windows.kept(signer)).toHaveLength(nonceWindowSize)
    expect(windows.kept(signer)[0]).toBe(at(2))
    expect(windows.check(signer, at(1), T)).toBe('nonce_too_low')
    // Between the smallest and the largest kept, a gap is still usable: it evicts the smallest.
    expect(windows.use(signer, at(150))).toBe(at(2))
    expect(windows.check(signer, at(150), T)).toBe('nonce_already_used')
  })

  it('refuses to keep a nonce twice or below a full window', () => {
    const windows = windowOf(3, 3)
    expect(() => windows.use(signer, at(2))).toThrow(RangeError)
    expect(() => windows.use(signer, at(0))).toThrow(RangeError)
  })

  it('holds windows per signer, and forgets one', () => {
    const windows = windowOf(2)
    const other = '0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
    expect(windows.check(other, at(1), T)).toBe('fresh')
    windows.use(other, at(1))
    expect(windows.signers()).toEqual([signer, other])
    windows.forget(signer)
    expect(windows.has(signer)).toBe(false)
    expect(windows.signers()).toEqual([other])
  })
})

/**
 * The reference: every nonce ever used, and the rule stated directly on it — a nonce is refused
 * when at least N used nonces are above it (it would not be among the N highest), when used, or
 * outside the time window. The window keeps only N of them and must decide the same.
 */
class ReferenceNonces {
  readonly used = new Set<bigint>()
  constructor(readonly size: number) {}

  check(nonce: bigint, time: number): NonceVerdict {
    // A nonce with N used ones above it is refused as too low, used or not: the window cannot
    // tell one evicted from one never used.
    const above = [...this.used].filter((used) => used > nonce).length
    if (above >= this.size) return 'nonce_too_low'
    if (this.used.has(nonce)) return 'nonce_already_used'
    const inWindow = nonce > BigInt(time - nonceMaxAgeMs) && nonce < BigInt(time + nonceMaxLeadMs)
    return inWindow ? 'fresh' : 'expired'
  }

  /** The N highest used nonces, ascending. */
  highest(): bigint[] {
    return [...this.used].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(-this.size)
  }
}

describe('NonceWindows against the reference (property)', () => {
  // Nonces near T, times that drift forward, and a small window, so that eviction, reuse,
  // "too low" and expiry all happen often.
  const step = fc.record({
    nonce: fc.integer({ min: -nonceMaxAgeMs - 20, max: nonceMaxLeadMs + 20 }),
    near: fc.boolean(),
    drift: fc.integer({ min: 0, max: 3 }),
  })

  it('decides as the rule on the whole history does, keeping only the N highest', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(step, { maxLength: 120 }),
        (size, steps) => {
          const windows = new NonceWindows(size)
          const reference = new ReferenceNonces(size)
          let time = T
          for (const { nonce: offset, near, drift } of steps) {
            time += drift
            // Half the steps pick among a few nonces around T, so reuse is frequent.
            const nonce = near ? at(offset % 12) : at(offset)
            const verdict = windows.check(signer, nonce, time)
            expect(verdict).toBe(reference.check(nonce, time))
            if (verdict === 'fresh' || verdict === 'expired') {
              windows.use(signer, nonce)
              reference.used.add(nonce)
            }
            expect(windows.kept(signer)).toEqual(reference.highest())
            expect(windows.kept(signer).length).toBeLessThanOrEqual(size)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('accepts only unused nonces above a full window’s smallest, in the time window', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 8 }),
        fc.integer({ min: -nonceMaxAgeMs - 5, max: nonceMaxLeadMs + 5 }),
        (keptOffsets, offset) => {
          const kept = keptOffsets.map(at).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          const nonce = at(offset)
          const verdict = checkNonce(kept, nonce, T, 4)
          const full = kept.length >= 4
          const inTime = offset > -nonceMaxAgeMs && offset < nonceMaxLeadMs
          const fresh = !kept.includes(nonce) && (!full || nonce > kept[0]!) && inTime
          expect(verdict === 'fresh').toBe(fresh)
          if (kept.includes(nonce)) expect(verdict).toBe('nonce_already_used')
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('isNonceWindowText', () => {
  it('accepts exactly the texts of 1 … size ascending uint64 nonces (what the leaf hashes)', () => {
    const nonce = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: 0n, max: 200n }),
    )
    fc.assert(
      fc.property(fc.uniqueArray(nonce, { minLength: 1, maxLength: 8 }), (nonces) => {
        const ascending = [...nonces].sort((a, b) => (a < b ? -1 : 1))
        expect(isNonceWindowText(ascending.join(' '), 8)).toBe(true)
        if (nonces.length > 1 && nonces.join() !== ascending.join()) {
          expect(isNonceWindowText(nonces.join(' '), 8)).toBe(false)
        }
        expect(isNonceWindowText(ascending.join(' '), ascending.length - 1)).toBe(false)
      }),
    )
  })

  it('refuses any text that is not canonical decimal (what reading it back would change)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', 'x'), maxLength: 12 }),
        (text) => {
          const parts = text.split(' ')
          const canonical =
            parts.every((part) => /^(0|[1-9][0-9]*)$/.test(part)) &&
            parts.map(BigInt).every((n, i, all) => i === 0 || n > all[i - 1]!)
          expect(isNonceWindowText(text)).toBe(canonical)
        },
      ),
    )
  })
})
