import { formatAmount } from '../../../shared/intents/index.ts'

/**
 * Base units as a human decimal with thousands separators, at most `maxFraction` fractional
 * digits (cut, never rounded up, so a shown balance is never more than the real one).
 */
export function formatUnits(units: bigint, decimals: number, maxFraction = 6): string {
  const negative = units < 0n
  const text = formatAmount(negative ? -units : units, decimals)
  const [whole = '0', fraction = ''] = text.split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cut = fraction.slice(0, maxFraction).replace(/0+$/, '')
  return `${negative ? '-' : ''}${grouped}${cut ? `.${cut}` : ''}`
}

/** Like `formatUnits` but with a fixed number of fractional digits (for aligned columns). */
export function formatFixed(units: bigint, decimals: number, fractionDigits: number): string {
  const text = formatAmount(units, decimals)
  const [whole = '0', fraction = ''] = text.split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  if (fractionDigits === 0) return grouped
  return `${grouped}.${fraction.slice(0, fractionDigits).padEnd(fractionDigits, '0')}`
}

/** `0x1234…abcd`. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`
}

/** `0x12345678…` for ids. */
export function shortHash(hash: string): string {
  return `${hash.slice(0, 10)}…`
}
