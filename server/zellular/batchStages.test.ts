import { expect, it } from 'vitest'
import { STAGE_RECORD_MAX } from '../observability/stageClock.ts'
import { BatchStages, type BatchStageRow } from './batchStages.ts'

/** The stamps `BatchStages` keeps, recorded the straightforward way: one body at a time. */
class ReferenceStages {
  readonly rows = new Map<number, BatchStageRow>()
  readonly pending = new Map<string, number>()

  constructor(private readonly now: () => number) {}

  accepted(bodies: readonly string[]): void {
    const at = this.now()
    for (const body of bodies) bounded(this.pending, body, at, 10_000)
  }

  sequenced(from: number, bodies: readonly string[]): void {
    const at = this.now()
    bodies.forEach((body, offset) => {
      const accepted = this.pending.get(body)
      this.pending.delete(body)
      const index = from + offset + 1
      const row = { index, accepted, sequenced: at, locked: undefined, finalized: undefined }
      bounded(this.rows, index, row, STAGE_RECORD_MAX)
    })
  }
}

function bounded<key, value>(map: Map<key, value>, k: key, v: value, max: number): void {
  map.set(k, v)
  while (map.size > max) map.delete(map.keys().next().value as key)
}

/** Both records, on clocks that tick once per call, and what they hold. */
function records() {
  let tick = 0
  let referenceTick = 0
  const stages = new BatchStages(() => ++tick)
  const reference = new ReferenceStages(() => ++referenceTick)
  return {
    stages,
    reference,
    accepted(bodies: readonly string[]) {
      stages.accepted('a', bodies)
      reference.accepted(bodies)
    },
    sequenced(from: number, bodies: readonly string[]) {
      stages.sequenced('a', from, bodies)
      reference.sequenced(from, bodies)
    },
    /** The rows, and what is still pending: the accepted stamp each body then gets. */
    expectSame(allBodies: readonly string[]) {
      expect(stages.page('a', 0, Infinity)).toEqual(
        [...reference.rows.values()].sort((x, y) => x.index - y.index),
      )
      const pendingStamps = (rows: readonly BatchStageRow[]) => rows.map((row) => row.accepted)
      const after = 10 ** 9
      stages.sequenced('a', after, allBodies)
      reference.sequenced(after, allBodies)
      const got = stages.page('a', after, Infinity)
      const want = [...reference.rows.values()].filter((row) => row.index > after)
      expect(pendingStamps(got)).toEqual(pendingStamps(want))
    },
  }
}

const body = (n: number) => `{"n":${n}}`
const bodies = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => body(from + i))

it('keeps the rows and pending bodies the reference keeps after one call longer than the record', () => {
  const both = records()
  // Pending: bodies sequenced early in the call, late in it, twice, and never.
  both.accepted([...bodies(0, 3_000), ...bodies(55_000, 2_000), ...bodies(900_000, 500)])
  const call = [...bodies(0, STAGE_RECORD_MAX + 7_000), body(56_000), body(10)]
  both.sequenced(0, call)
  both.expectSame([...bodies(0, 3_000), ...bodies(55_000, 2_000), ...bodies(900_000, 500)])
})

it('keeps the rows and pending bodies the reference keeps after many small calls', () => {
  const both = records()
  let from = 0
  for (let call = 0; call < 200; call++) {
    both.accepted(bodies(from + 100, 300))
    both.sequenced(from, bodies(from, 397))
    from += 397
  }
  both.expectSame(bodies(from - 1_000, 2_000))
})

it('keeps what the reference keeps when a long call sequences indices it recorded before', () => {
  const both = records()
  both.accepted(bodies(0, 5_000))
  both.sequenced(0, bodies(0, 20_000))
  // A dropped tail sequenced again (other batches at the same indices), longer than the record.
  both.accepted(bodies(70_000, 4_000))
  both.sequenced(15_000, bodies(60_000, STAGE_RECORD_MAX + 3_000))
  both.expectSame(bodies(60_000, 15_000))
  // And from before the record's first row.
  both.sequenced(100, bodies(200_000, STAGE_RECORD_MAX + 10))
  both.expectSame(bodies(0, 1_000))
})
