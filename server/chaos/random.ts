/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same workload and the
 * same fault schedule, so a failed run can be replayed from the seed it prints.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  /** An integer in [low, high]. */
  between(low: number, high: number): number
  pick<item>(items: readonly item[]): item
  chance(probability: number): boolean
  /** A new generator seeded from this one, so one stream's use does not shift another's. */
  fork(): Random
}

export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const random: Random = {
    next,
    int: (n) => Math.floor(next() * n),
    between: (low, high) => low + Math.floor(next() * (high - low + 1)),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list')
      return items[Math.floor(next() * items.length)]!
    },
    chance: (probability) => next() < probability,
    fork: () => createRandom(Math.floor(next() * 4_294_967_296)),
  }
  return random
}
