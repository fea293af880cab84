import { expect, it } from 'vitest'
import { setBounded } from './stageClock.ts'

/** What `setBounded` does, the straightforward way: from the map's start, each time. */
function setBoundedReference<key, value>(map: Map<key, value>, k: key, v: value, max: number) {
  map.set(k, v)
  while (map.size > max) map.delete(map.keys().next().value as key)
}

/** A map that counts the iterators started over it. */
class CountingMap<key, value> extends Map<key, value> {
  iterators = 0
  override keys() {
    this.iterators += 1
    return super.keys()
  }
}

it('keeps the entries the straightforward eviction keeps, through sets, updates, deletes and clears', () => {
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
    return seed % n
  }
  const max = 100
  const fast = new Map<number, number>()
  const reference = new Map<number, number>()
  for (let step = 0; step < 50_000; step++) {
    const key = random(400)
    if (random(5_000) === 0) {
      fast.clear()
      reference.clear()
    } else if (random(5) === 0) {
      fast.delete(key)
      reference.delete(key)
    } else {
      setBounded(fast, key, step, max)
      setBoundedReference(reference, key, step, max)
    }
    if (step % 997 === 0) expect([...fast]).toEqual([...reference])
  }
  expect([...fast]).toEqual([...reference])
})

it('evicts without walking the map from its start again for each entry it drops', () => {
  const map = new CountingMap<number, number>()
  for (let i = 0; i < 10_000; i++) setBounded(map, i, i, 1_000)
  expect([...map.keys()].slice(0, 2)).toEqual([9_000, 9_001])
  // One walk for all 9,000 evictions, and the one above: V8 keeps a deleted entry as a hole
  // until the table is rebuilt, and a walk from the start crosses every hole so far.
  expect(map.iterators).toBeLessThanOrEqual(2)
})
