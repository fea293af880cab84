import { expect, it } from 'vitest'
import { ephemeralPortRange, parsePortRange } from './ephemeralPorts.ts'
import { loopbackWindows } from './loopbackPorts.ts'

it("reads the kernel's range as /proc writes it, and nothing else", () => {
  expect(parsePortRange('32768\t60999\n')).toEqual({ from: 32_768, to: 60_999 })
  expect(parsePortRange(' 1024 65000 ')).toEqual({ from: 1_024, to: 65_000 })
  for (const text of ['', '32768', '60999 32768', '0 100', '1000 70000', '1 2 3', 'a b']) {
    expect(parsePortRange(text), text).toBeUndefined()
  }
})

it("takes Linux's default when the range cannot be read or makes no sense", () => {
  const linux = { from: 32_768, to: 60_999 }
  expect(
    ephemeralPortRange(() => {
      throw new Error('ENOENT')
    }),
  ).toEqual(linux)
  expect(ephemeralPortRange(() => 'garbage')).toEqual(linux)
  expect(ephemeralPortRange(() => '10000\t20000\n')).toEqual({ from: 10_000, to: 20_000 })
})

it('keeps the loopback windows of tests and PostgreSQL right below the range, apart', () => {
  expect(loopbackWindows({ from: 32_768, to: 60_999 })).toEqual({
    tests: { from: 32_000, below: 32_768 },
    postgres: { from: 31_800, below: 32_000 },
  })
  const { tests, postgres } = loopbackWindows({ from: 10_000, to: 20_000 })
  expect([postgres.below, tests.below]).toEqual([tests.from, 10_000])
})
