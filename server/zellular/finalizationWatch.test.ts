import { expect, it } from 'vitest'
import { FinalizationWatch } from './finalizationWatch.ts'

const SILENCE_MS = 3_000

it('a signed finalization is withheld past the silence border, from the first time it was signed', () => {
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  watch.signedFinalization('a', 5, 1_000)
  // Proposed again later: the first signature still counts.
  watch.signedFinalization('a', 5, 3_000)
  expect(watch.isWithheld(1_000 + SILENCE_MS)).toBe(false)
  expect(watch.isWithheld(1_000 + SILENCE_MS + 1)).toBe(true)
  // Finalized up to it: nothing is withheld.
  watch.finalized('a', 5)
  expect(watch.isWithheld(60_000)).toBe(false)
})

it('forgets what a dropped fork or a new sequencer made moot, and is off with the border', () => {
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  watch.signedFinalization('a', 4, 0)
  watch.signedFinalization('b', 9, 0)
  watch.dropped('a', 3)
  expect(watch.isWithheld(SILENCE_MS + 1)).toBe(true) // b's
  watch.clear()
  expect(watch.isWithheld(SILENCE_MS + 1)).toBe(false)
  const off = new FinalizationWatch(10_000, 0)
  off.signedFinalization('a', 4, 0)
  expect(off.isWithheld(60_000)).toBe(false)
})

it('keeps at most MAX_SIGNED finalizations per app, the oldest, which decide', () => {
  const watch = new FinalizationWatch(10_000, SILENCE_MS)
  const max = FinalizationWatch.MAX_SIGNED
  for (let index = 1; index <= max + 100; index++) watch.signedFinalization('a', index, index)
  // Applied up to the last one kept: those over the cap were never recorded.
  watch.finalized('a', max)
  expect(watch.isWithheld(60_000)).toBe(false)
})
