import Database from 'better-sqlite3'
import { beforeAll, expect, it } from 'vitest'
import { initZellular } from '../../shared/zellular/index.ts'
import { BatchLog } from './batchLog.ts'
import { BATCH_COST_MIN_BYTES, pageBatchLimit } from '../../shared/zellular/index.ts'
import { overPageLimit } from './pageLimit.ts'

beforeAll(() => initZellular())

it('no page a node builds holds more batches than pageBatchLimit, whatever their sizes', () => {
  const db = new Database(':memory:')
  BatchLog.migrate(db)
  const log = new BatchLog(db, 'a', 1)
  // The first batch is in whatever it costs; the empty ones after it at the least cost.
  log.append(['x'.repeat(3000), ...Array.from({ length: 2000 }, () => '')])
  const cap = 100 * BATCH_COST_MIN_BYTES + 17
  for (const after of [0, 1]) {
    const page = log.range(after, 'sequenced', cap)
    expect(page.length).toBeGreaterThan(0)
    expect(page.length).toBeLessThanOrEqual(pageBatchLimit(cap))
    expect(overPageLimit({ data: { batches: page.map((record) => record.body) } }, cap)).toBeNull()
  }
  db.close()
})

it('refuses an answer of more batches than pageBatchLimit and leaves other shapes to the schema', () => {
  const cap = 10 * BATCH_COST_MIN_BYTES
  const batches = (count: number) => ({
    data: { batches: Array.from({ length: count }, () => '') },
  })
  expect(overPageLimit(batches(pageBatchLimit(cap)), cap)).toBeNull()
  expect(overPageLimit(batches(pageBatchLimit(cap) + 1), cap)).toBe(
    '12 batches, over the 11 a page holds',
  )
  for (const body of [null, 'text', {}, { data: null }, { data: { batches: 'x' } }]) {
    expect(overPageLimit(body, cap)).toBeNull()
  }
})
