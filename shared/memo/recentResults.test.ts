import { expect, it } from 'vitest'
import { RecentResults } from './index.ts'

it('computes each key once while it is remembered, and forgets the oldest key first', () => {
  const computed: string[] = []
  const results = new RecentResults<string, string | undefined>(2)
  const get = (key: string) =>
    results.getOrCompute(key, () => {
      computed.push(key)
      return key === 'none' ? undefined : key.toUpperCase()
    })
  expect([get('a'), get('a'), get('none'), get('none')]).toEqual(['A', 'A', undefined, undefined])
  expect(computed).toEqual(['a', 'none'])
  expect(results.hits).toBe(2)
  get('b') // evicts 'a', the oldest
  expect(get('none')).toBeUndefined()
  expect(get('a')).toBe('A')
  expect(computed).toEqual(['a', 'none', 'b', 'a'])
  expect(() => new RecentResults(0)).toThrow(RangeError)
})

it('hands each value it drops to make room to onEvict, and no other', () => {
  const dropped: string[] = []
  const results = new RecentResults<string, string>(2, (value) => dropped.push(value))
  for (const key of ['a', 'b', 'a', 'c', 'd']) results.getOrCompute(key, () => key.toUpperCase())
  expect(dropped).toEqual(['A', 'B'])
  expect(results.find('c')).toBe('C')
})
