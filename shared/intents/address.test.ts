import { describe, expect, it } from 'vitest'
import { isCanonicalAddress, parseAddress } from './address.ts'

const checksummed = '0xc66F8Fba940064B5bA8d437d6fF829E60134230E'
const lower = '0xc66f8fba940064b5ba8d437d6ff829e60134230e'

describe('parseAddress', () => {
  it('canonicalizes a valid checksum, lower case and upper case to one spelling', () => {
    const upper = `0x${lower.slice(2).toUpperCase()}`
    for (const text of [checksummed, lower, upper]) {
      expect(parseAddress(text)).toEqual({ ok: true, value: lower })
    }
  })

  it('rejects a mixed-case address whose checksum is wrong', () => {
    const typo = '0xC66F8Fba940064B5bA8d437d6fF829E60134230E'
    expect(parseAddress(typo)).toEqual({ ok: false, reason: 'address_checksum_mismatch' })
  })

  it.each([
    '',
    '0x',
    lower.slice(2),
    `${lower}00`,
    lower.slice(0, 41),
    ` ${lower}`,
    `${lower}\n`,
    '0X' + lower.slice(2),
    '0xg66f8fba940064b5ba8d437d6ff829e60134230e',
  ])('rejects the malformed address %j', (text) => {
    expect(parseAddress(text)).toEqual({ ok: false, reason: 'invalid_address' })
  })
})

describe('isCanonicalAddress', () => {
  it('accepts only lower-case 0x + 40 hex', () => {
    expect(isCanonicalAddress(lower)).toBe(true)
    expect(isCanonicalAddress(checksummed)).toBe(false)
  })
})
