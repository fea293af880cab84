import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatAmount, maxAmountUnits, parseAmount } from './amount.ts'

describe('parseAmount', () => {
  it.each([
    ['1.5', 6, 1_500_000n],
    ['1.50', 6, 1_500_000n],
    ['0.000001', 6, 1n],
    ['2000', 6, 2_000_000_000n],
    ['7', 0, 7n],
    ['1.0', 0, 1n],
    ['340282366920938463463374607431768211455', 0, maxAmountUnits],
  ])('parses %j with %i decimals', (text, decimals, units) => {
    expect(parseAmount(text, decimals)).toEqual({ ok: true, value: units })
  })

  it.each([
    ['0', 'amount_not_positive'],
    ['0.000', 'amount_not_positive'],
    ['-1', 'invalid_amount'],
    ['-0', 'invalid_amount'],
    ['+1', 'invalid_amount'],
    ['1e6', 'invalid_amount'],
    ['1E-6', 'invalid_amount'],
    [' 1', 'invalid_amount'],
    ['1 ', 'invalid_amount'],
    ['1\n', 'invalid_amount'],
    ['1,5', 'invalid_amount'],
    ['.5', 'invalid_amount'],
    ['5.', 'invalid_amount'],
    ['01', 'invalid_amount'],
    ['0x10', 'invalid_amount'],
    ['NaN', 'invalid_amount'],
    ['Infinity', 'invalid_amount'],
    ['', 'invalid_amount'],
    ['１', 'invalid_amount'],
    ['1.0000001', 'amount_too_precise'],
    ['340282366920938463463374607431768.211456', 'amount_too_large'],
    ['9'.repeat(81), 'invalid_amount'],
  ])('rejects %j', (text, reason) => {
    expect(parseAmount(text, 6)).toEqual({ ok: false, reason })
  })

  it('rejects anything beyond uint128 base units', () => {
    const text = (maxAmountUnits + 1n).toString()
    expect(parseAmount(text, 0)).toEqual({ ok: false, reason: 'amount_too_large' })
  })
})

describe('formatAmount', () => {
  it.each([
    [1_500_000n, 6, '1.5'],
    [1n, 6, '0.000001'],
    [2_000_000_000n, 6, '2000'],
    [0n, 6, '0'],
    [42n, 0, '42'],
    [10n ** 18n, 18, '1'],
  ])('formats %s with %i decimals', (units, decimals, text) => {
    expect(formatAmount(units, decimals)).toBe(text)
  })

  it('is the inverse of parseAmount for every positive uint128', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: maxAmountUnits }),
        fc.integer({ min: 0, max: 30 }),
        (units, decimals) => {
          const text = formatAmount(units, decimals)
          expect(parseAmount(text, decimals)).toEqual({ ok: true, value: units })
        },
      ),
      { seed: 1, numRuns: 500 },
    )
  })
})
