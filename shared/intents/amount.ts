import { ok, reject, type Result } from './result.ts'

/**
 * A positive token quantity in integer base units, with the decimals of its token so it can be
 * shown again as the decimal text the user signed (`1500000n` with 6 decimals is `1.5`).
 * Made only by the intent parser from a registry token, so the decimals always match it.
 */
export interface Amount {
  /** Integer base units, 1 ≤ units ≤ `maxAmountUnits`. */
  readonly units: bigint
  /** Fractional digits of the token (or, for a price, of the quote token). */
  readonly decimals: number
}

/** Why a decimal string is not accepted as an amount. */
export type AmountRejectReason =
  'invalid_amount' | 'amount_not_positive' | 'amount_too_precise' | 'amount_too_large'

/** The largest amount in base units: uint128, so any amount fits a 16-byte integer column. */
export const maxAmountUnits = (1n << 128n) - 1n

/** Longest accepted amount text; uint128 has 39 digits, plus a point and 36 decimals fit. */
const maxAmountTextLength = 80

// Plain decimal only: no sign, exponent, whitespace, leading zeros, or bare point.
const decimalPattern = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/

/**
 * Parses a decimal string in token units (`"1.5"`) into integer base units (`1500000n` for 6
 * decimals) without ever going through a float. Trailing fractional zeros are allowed, so
 * `"1.50"` equals `"1.5"`; the rejection reasons name the broken rule.
 */
export function parseAmount(text: string, decimals: number): Result<bigint, AmountRejectReason> {
  if (text.length > maxAmountTextLength) return reject('invalid_amount')
  const match = decimalPattern.exec(text)
  if (match === null) return reject('invalid_amount')
  const whole = match[1] ?? '0'
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction.length > decimals) return reject('amount_too_precise')
  const units = BigInt(whole + fraction.padEnd(decimals, '0'))
  if (units === 0n) return reject('amount_not_positive')
  if (units > maxAmountUnits) return reject('amount_too_large')
  return ok(units)
}

/**
 * Formats base units as the shortest decimal string in token units (`1500000n`, 6 → `"1.5"`).
 * This is the one spelling used in signed texts, so equal amounts always read the same.
 */
export function formatAmount(units: bigint, decimals: number): string {
  if (units < 0n) throw new RangeError(`formatAmount: negative units ${units}`)
  const digits = units.toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return fraction === '' ? whole : `${whole}.${fraction}`
}
