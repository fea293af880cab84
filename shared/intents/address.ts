import { checksumAddress } from 'viem'
import { ok, reject, type Result } from './result.ts'

declare const addressBrand: unique symbol

/**
 * A canonical account address: `0x` and 40 lower-case hex digits. State keys, signed texts and
 * ids all use this one spelling, so case variants of an address can never split an account.
 * Made only by `parseAddress`.
 */
export type Address = `0x${string}` & { readonly [addressBrand]: true }

/** Why a string is not accepted as an address. */
export type AddressRejectReason = 'invalid_address' | 'address_checksum_mismatch'

const addressPattern = /^0x[0-9a-fA-F]{40}$/
const canonicalPattern = /^0x[0-9a-f]{40}$/

/**
 * Parses a hex address into its canonical lower-case form. All-lower-case and all-upper-case hex
 * digits carry no checksum and are accepted as they are; mixed case must be a valid EIP-55
 * checksum, because a wrong one usually means a typo in an address someone copied by hand.
 */
export function parseAddress(text: string): Result<Address, AddressRejectReason> {
  if (!addressPattern.test(text)) return reject('invalid_address')
  const digits = text.slice(2)
  const lower = digits.toLowerCase()
  const isMixedCase = digits !== lower && digits !== digits.toUpperCase()
  const canonical = `0x${lower}` as Address
  if (isMixedCase && checksumAddress(canonical) !== text) {
    return reject('address_checksum_mismatch')
  }
  return ok(canonical)
}

/** True when `text` is already an address in canonical form. */
export function isCanonicalAddress(text: string): text is Address {
  return canonicalPattern.test(text)
}
