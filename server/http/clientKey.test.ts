import { describe, expect, it } from 'vitest'
import { clientKey } from './clientKey.ts'

describe('clientKey', () => {
  it('is the IPv4 address, also when the socket gives it IPv4-mapped', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7')
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(clientKey('::FFFF:127.0.0.1')).toBe('127.0.0.1')
  })

  it("is an IPv6 address's /64: one holder of a prefix has one allowance, not 2^64", () => {
    const key = clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')
    expect(key).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:0db8:0001:0002::1')).toBe(key)
    expect(clientKey('2001:db8:1:2:ffff::9%eth0')).toBe(key)
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key)
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(clientKey('::1')).toBe('0:0:0:0::/64')
  })

  it('is `local` without an address', () => {
    expect(clientKey(undefined)).toBe('local')
  })
})
