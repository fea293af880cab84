import { describe, expect, it } from 'vitest'
import { BenchArguments } from './benchArguments.ts'

describe('BenchArguments', () => {
  it('reads each option in either form, and defaults when absent', () => {
    const args = new BenchArguments(['--seconds=20', '--rates', '50,200', '--smoke', '--db=pg'])
    expect(args.smoke).toBe(true)
    expect(args.number('seconds', 10)).toBe(20)
    expect(args.numbers('rates', [1000])).toEqual([50, 200])
    expect(args.number('warmup-seconds', 2)).toBe(2)
    expect(args.text('db')).toBe('pg')
    expect(args.text('out')).toBeUndefined()
    expect(args.flag('compare')).toBe(false)
    expect(() => args.finish()).not.toThrow()
  })

  it('refuses an argument no option read, naming what the bench takes', () => {
    const args = new BenchArguments(['--rate=200', '--seconds=5', 'stray'])
    args.numbers('rates', [50])
    args.number('seconds', 10)
    expect(() => args.finish()).toThrow(
      'not an option of this bench: --rate=200 stray (it takes --rates --seconds)',
    )
  })

  it('refuses numbers that are not numbers ≥ the least allowed', () => {
    const bad = (argument: string, rules?: { integer?: boolean; min?: number }) => () =>
      new BenchArguments([argument]).number('n', 1, rules)
    expect(bad('--n=abc')).toThrow(RangeError)
    expect(bad('--n=')).toThrow(RangeError)
    expect(bad('--n=-1')).toThrow(RangeError)
    expect(bad('--n=Infinity')).toThrow(RangeError)
    expect(bad('--n=1.5', { integer: true })).toThrow('--n takes a whole number ≥ 0')
    expect(bad('--n=0', { integer: true, min: 1 })).toThrow('≥ 1')
    expect(new BenchArguments(['--n=0xa5']).number('n', 1, { integer: true })).toBe(0xa5)
    expect(new BenchArguments(['--n=2.5']).number('n', 1)).toBe(2.5)
    expect(() => new BenchArguments(['--n=1,,2']).numbers('n', [])).toThrow(RangeError)
    expect(() => new BenchArguments(['--n=1,x']).numbers('n', [])).toThrow(RangeError)
  })

  it('takes a value in the next argument only when there is one', () => {
    expect(() => new BenchArguments(['--out']).text('out')).toThrow('--out needs a value')
    expect(() => new BenchArguments(['--out', '--smoke']).text('out')).toThrow(RangeError)
  })

  it('takes one or more of the choices it is given', () => {
    const args = new BenchArguments(['--db=sqlite,postgres', '--form=json'])
    expect(args.choices('db', ['sqlite', 'postgres'], ['sqlite'])).toEqual(['sqlite', 'postgres'])
    expect(args.choice('form', ['compact', 'json'], 'compact')).toBe('json')
    expect(args.choice('other', ['a', 'b'], 'b')).toBe('b')
    expect(() => new BenchArguments(['--db=mysql']).choices('db', ['sqlite'], [])).toThrow(
      '--db takes sqlite (comma-separated), not mysql',
    )
  })

  it('takes each pair of an environment option, the value being all after its first =', () => {
    const args = new BenchArguments([
      '--zellular-env=ZSEQUENCER_ROUND_GAP=0.05',
      '--replica-env=A=1',
      '--zellular-env',
      'SERVICE_NODE_FLAGS=--cpu-prof --cpu-prof-dir=/tmp/p',
    ])
    expect(args.environment('zellular-env')).toEqual({
      ZSEQUENCER_ROUND_GAP: '0.05',
      SERVICE_NODE_FLAGS: '--cpu-prof --cpu-prof-dir=/tmp/p',
    })
    expect(args.environment('replica-env')).toEqual({ A: '1' })
    expect(args.environment('old-replica-env')).toEqual({})
    expect(() => args.finish()).not.toThrow()
    for (const pair of ['--replica-env=0.05', '--replica-env==1']) {
      expect(() => new BenchArguments([pair]).environment('replica-env')).toThrow(RangeError)
    }
  })
})
