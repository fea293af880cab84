import { expect, it } from 'vitest'
import { FinalizationWatch } from './finalizationWatch.ts'

const SILENCE_MS = 3_000

it('a signed finalization is withheld past the silence border, from the first time it was signed', () => {
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  watch.signed('a', 'locked', 5, 1_000)
  // Proposed again later: the first signature still counts.
  watch.signed('a', 'locked', 5, 3_000)
  expect(watch.withheld(1_000 + SILENCE_MS)).toBeUndefined()
  expect(watch.withheld(1_000 + SILENCE_MS + 1)).toBe('finalization')
  // Finalized up to it: nothing is withheld.
  watch.finalized('a', 5)
  expect(watch.withheld(60_000)).toBeUndefined()
})

it('a signed lock is withheld past the silence border until a lock or finalization covers it', () => {
  // A sequencer whose rounds all miss their timeout (its links slowed past it) asks and asks,
  // and shows nothing: without this its followers waited for the finalization border.
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  watch.signed('a', 'sequenced', 5, 1_000)
  watch.signed('a', 'sequenced', 8, 2_000)
  expect(watch.withheld(1_000 + SILENCE_MS)).toBeUndefined()
  expect(watch.withheld(1_000 + SILENCE_MS + 1)).toBe('lock')
  // A lock short of it leaves it waiting; one past it covers it, and the next waits from its own.
  watch.locked('a', 4)
  expect(watch.withheld(1_000 + SILENCE_MS + 1)).toBe('lock')
  watch.locked('a', 6)
  expect(watch.withheld(2_000 + SILENCE_MS)).toBeUndefined()
  expect(watch.withheld(2_000 + SILENCE_MS + 1)).toBe('lock')
  // A finalization covers the locks up to it.
  watch.finalized('a', 8)
  expect(watch.withheld(60_000)).toBeUndefined()
})

it('forgets what a dropped fork or a new sequencer made moot, and is off with the border', () => {
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  watch.signed('a', 'locked', 4, 0)
  watch.signed('a', 'sequenced', 6, 0)
  watch.signed('b', 'locked', 9, 0)
  watch.dropped('a', 3)
  expect(watch.withheld(SILENCE_MS + 1)).toBe('finalization') // b's
  watch.clear()
  expect(watch.withheld(SILENCE_MS + 1)).toBeUndefined()
  const off = new FinalizationWatch(10_000, 0)
  off.signed('a', 'sequenced', 4, 0)
  off.signed('a', 'locked', 4, 0)
  expect(off.withheld(60_000)).toBeUndefined()
})

it('keeps at most MAX_SIGNED locks and finalizations per app, the oldest, which decide', () => {
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  const max = FinalizationWatch.MAX_SIGNED
  for (let index = 1; index <= max + 100; index++) {
    watch.signed('a', 'sequenced', index, index)
    watch.signed('a', 'locked', index, index)
  }
  // Applied up to the last one kept: those over the cap were never recorded.
  watch.finalized('a', max)
  expect(watch.withheld(60_000)).toBeUndefined()
})
