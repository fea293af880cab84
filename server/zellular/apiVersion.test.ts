import { expect, it } from 'vitest'
import { compareApiVersions, formatApiVersion, parseApiVersion } from './apiVersion.ts'

const parsed = (text: string) => {
  const version = parseApiVersion(text)
  if (!version) throw new Error(`${text} did not parse`)
  return version
}

it('compares API versions by number, where text comparison gets them wrong', () => {
  expect('v0.1.10' > 'v0.1.9').toBe(false) // what a string comparison concludes
  expect(compareApiVersions(parsed('v0.1.10'), parsed('v0.1.9'))).toBeGreaterThan(0)
  expect(compareApiVersions(parsed('v0.2.0'), parsed('v0.1.99'))).toBeGreaterThan(0)
  expect(compareApiVersions(parsed('v1.0.0'), parsed('v0.9.9'))).toBeGreaterThan(0)
  expect(compareApiVersions(parsed('v0.1.5'), parsed('v0.1.7'))).toBeLessThan(0)
  expect(compareApiVersions(parsed('0.1.7'), parsed('v0.1.7'))).toBe(0)
  expect(formatApiVersion(parsed('0.1.7'))).toBe('v0.1.7')
})

it('refuses what is not a version', () => {
  for (const text of ['', 'v0.1', 'v0.1.7-beta', 'latest', 'v0.1.7.1', 'vv0.1.7', '0.1.x']) {
    expect(parseApiVersion(text)).toBeNull()
  }
})
