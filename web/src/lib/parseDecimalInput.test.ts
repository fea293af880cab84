import { describe, expect, it } from 'vitest'
import { parseDecimalInput } from './parseDecimalInput.ts'

describe('parseDecimalInput', () => {
  it.each([
    ['1000', '1000'],
    ['1,000', '1000'],
    ['12,345,678', '12345678'],
    ['1,937.45', '1937.45'],
    ['1.937,45', '1937.45'],
    ['1 000', '1000'],
    ['1\u202f000,5', '1000.5'],
    ['.5', '0.5'],
    ['0,5', '0.5'],
    ['1,5', '1.5'],
    ['5.', '5'],
    ['007', '7'],
    ['0.001', '0.001'],
    ['  2000.50 ', '2000.50'],
    ['1.000', '1.000'],
  ])('reads %j as %j', (text, value) => {
    expect(parseDecimalInput(text)).toEqual({ ok: true, value })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['1e3', 'exponent'],
    ['1E-6', 'exponent'],
    ['-1', 'negative'],
    ['1,00,0', 'bad_grouping'],
    ['1.000.00', 'bad_grouping'],
    ['1.2.3', 'bad_grouping'],
    ['1,000.5.5', 'not_a_number'],
    ['.', 'not_a_number'],
    ['abc', 'not_a_number'],
    ['0x10', 'not_a_number'],
    ['+1', 'not_a_number'],
  ])('refuses %j (%s)', (text, reason) => {
    expect(parseDecimalInput(text)).toEqual({ ok: false, reason })
  })
})
