/**
 * Why typed or pasted text is not a number the app accepts:
 * - `empty`: nothing but spaces;
 * - `exponent`: written with an exponent (`1e3`): refused rather than guessed, because a
 *   stripped `e` turns it into another number (`13`);
 * - `negative`: a minus sign (amounts and prices are positive);
 * - `bad_grouping`: thousands separators in the wrong places (`1,00,0`);
 * - `not_a_number`: anything else (letters, two decimal points).
 */
export type DecimalInputError = 'empty' | 'exponent' | 'negative' | 'bad_grouping' | 'not_a_number'

export type ParseDecimalInputReturnType =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: DecimalInputError }

/** Spaces people use as thousands separators: space, no-break space, thin and narrow spaces. */
const spaces = /[\s\u00a0\u2009\u202f]/g

/**
 * Reads a decimal number as people type or paste it into an amount or price field and returns
 * it in the canonical form the intent parser takes (`1937.45`, `0.5`, `1000`: no separators, no
 * leading zeros, no trailing point). Accepted: thousands separators (`1,000`, `1,937.45`,
 * `1.937,45`, `1 000`), a comma as the decimal separator (`0,5`), a leading or trailing point
 * (`.5`, `5.`). A lone comma followed by exactly three digits (`1,000`) is a thousands separator,
 * as the app itself writes numbers. Nothing is rounded: precision and range are checked later
 * against the token's decimals.
 *
 * @example parseDecimalInput('1,937.45') // { ok: true, value: '1937.45' }
 */
export function parseDecimalInput(text: string): ParseDecimalInputReturnType {
  const compact = text.replace(spaces, '')
  if (compact === '') return { ok: false, reason: 'empty' }
  if (/[eE]/.test(compact) && /^[0-9.,]*[eE][+-]?[0-9]*$/.test(compact)) {
    return { ok: false, reason: 'exponent' }
  }
  if (compact.startsWith('-')) return { ok: false, reason: 'negative' }
  if (!/^[0-9.,]+$/.test(compact) || !/[0-9]/.test(compact)) {
    return { ok: false, reason: 'not_a_number' }
  }
  const split = splitDecimal(compact)
  if (!split.ok) return split
  const whole = split.whole.replace(/^0+(?=[0-9])/, '') || '0'
  return { ok: true, value: split.fraction === '' ? whole : `${whole}.${split.fraction}` }
}

type SplitDecimalReturnType =
  | { readonly ok: true; readonly whole: string; readonly fraction: string }
  | { readonly ok: false; readonly reason: DecimalInputError }

/** Decides which of `.` and `,` separates the fraction, and checks the grouping of the rest. */
function splitDecimal(text: string): SplitDecimalReturnType {
  const dots = count(text, '.')
  const commas = count(text, ',')
  let decimal: '.' | ',' | undefined
  if (dots > 0 && commas > 0) decimal = text.lastIndexOf('.') > text.lastIndexOf(',') ? '.' : ','
  else if (dots === 1) decimal = '.'
  else if (commas === 1) decimal = /^[0-9]{1,3},[0-9]{3}$/.test(text) ? undefined : ','
  if (decimal !== undefined && count(text, decimal) > 1)
    return { ok: false, reason: 'not_a_number' }
  const [integer = '', fraction = ''] =
    decimal === undefined ? [text] : (text.split(decimal) as [string, string])
  if (/[.,]/.test(fraction)) return { ok: false, reason: 'bad_grouping' }
  const group = decimal === '.' ? ',' : decimal === ',' ? '.' : dots > 0 ? '.' : ','
  const whole = ungroup(integer, group)
  if (whole === undefined) return { ok: false, reason: 'bad_grouping' }
  if (whole === '' && fraction === '') return { ok: false, reason: 'not_a_number' }
  return { ok: true, whole, fraction }
}

/** `1,000,000` → `1000000` when every group after the first has three digits. */
function ungroup(integer: string, separator: '.' | ','): string | undefined {
  if (!integer.includes(separator)) return integer
  const groups = integer.split(separator)
  const [first = '', ...rest] = groups
  if (!/^[0-9]{1,3}$/.test(first)) return undefined
  if (!rest.every((group) => /^[0-9]{3}$/.test(group))) return undefined
  return groups.join('')
}

function count(text: string, character: string): number {
  return text.split(character).length - 1
}

/** A sentence for the field, saying what to type instead. */
export function decimalInputErrorText(reason: DecimalInputError): string {
  switch (reason) {
    case 'empty':
      return 'Enter a number.'
    case 'exponent':
      return 'Write the number out in full (1000, not 1e3).'
    case 'negative':
      return 'Enter a positive number.'
    case 'bad_grouping':
      return 'Thousands separators go every three digits (1,000,000).'
    case 'not_a_number':
      return 'Enter a number such as 1,000 or 0.5.'
  }
}
