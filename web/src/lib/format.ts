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

/** Base units as a plain decimal for an input field (no separators, full precision). */
export function unitsToInput(units: bigint, decimals: number): string {
  return formatAmount(units, decimals)
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

/** Reject and error codes as a sentence fragment: `insufficient_available` → `Insufficient available`. */
export function humanizeCode(code: string): string {
  const known: Record<string, string> = {
    insufficient_available: 'Insufficient available balance',
    insufficient_balance: 'Insufficient balance',
    nonce_already_used: 'This signed request was already used (replay)',
    replay: 'This signed request was already submitted (replay)',
    post_only_would_cross: 'Post-only order would cross the book',
    no_liquidity: 'No liquidity to match against',
    self_transfer: 'Cannot transfer to yourself',
    price_not_on_tick: 'Price is not on the tick grid',
    quantity_not_on_lot: 'Quantity is not a multiple of the lot size',
    below_min_size: 'Quantity is below the minimum order size',
    above_max_size: 'Quantity is above the maximum order size',
    unknown_order: 'Order is no longer open',
    not_owner: 'Not your order',
    sequencer_unavailable: 'No Zellular node accepted the batch',
    overloaded: 'Replica is overloaded, try again',
  }
  const text = known[code] ?? code.replace(/_/g, ' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}
