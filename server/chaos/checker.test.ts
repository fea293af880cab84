import { expect, it } from 'vitest'
import type { ReplicaRegistry, StatusResponse } from '../../shared/api/index.ts'
import { agreementNeeded, settleWithReceipts } from './checker.ts'
import { planFaults } from './nemesis.ts'
import { createRandom } from './random.ts'

/** Replicas that settle at each of `indexes` in turn, and receipts of batches up to `top`. */
function replicas(indexes: number[], top: number) {
  let settles = 0
  const settle = async () => {
    const appliedIndex = indexes[Math.min(settles++, indexes.length - 1)]!
    return [{ appliedIndex } as StatusResponse]
  }
  const readReceipts = async () => [[{ batchIndex: 3 }, undefined, { batchIndex: top }]]
  return { settle, readReceipts, settles: () => settles }
}

it('settles again when a receipt names a batch above the quiet index (chaos seed 900)', async () => {
  // Finalization stalled for 12 s after healing: the replicas were quiet at 1423 for 3 s, then
  // applied up to 1546 while the receipts were read. Balances at 1423 then missed 123 batches
  // the receipts counted, and the checker reported 17 anomalies the system did not have.
  const cluster = replicas([1423, 1546], 1536)
  const settled = await settleWithReceipts(cluster.settle, cluster.readReceipts)
  expect(settled.statuses?.[0]?.appliedIndex).toBe(1546)
  expect([settled.settledAgain, settled.stillBeyond, cluster.settles()]).toEqual([1, false, 2])
})

it('reports receipts still beyond after settling three times, and stops', async () => {
  const cluster = replicas([5, 6, 7, 8], 100)
  const settled = await settleWithReceipts(cluster.settle, cluster.readReceipts)
  expect([settled.settledAgain, settled.stillBeyond, cluster.settles()]).toEqual([2, true, 3])
})

it('reads once when the receipts are within the quiet index', async () => {
  const cluster = replicas([9], 9)
  const settled = await settleWithReceipts(cluster.settle, cluster.readReceipts)
  expect([settled.settledAgain, settled.stillBeyond, cluster.settles()]).toEqual([0, false, 1])
})

it('decides a past balance by the replicas that still hold its index (chaos seed 9100)', () => {
  // Two replicas were wiped and synced at 188 and 917: index 50 is held by the first alone, and
  // the checker asked for a quorum of 2, reporting 208 reads of early indexes as anomalies.
  const holding = { registry: { quorum: 2 } as ReplicaRegistry, prunedBelow: [0, 188, 917] }
  expect([50, 188, 500, 917, 2000].map((index) => agreementNeeded(holding, index))).toEqual([
    1, 2, 2, 2, 2,
  ])
  const none = { ...holding, prunedBelow: [300, 188, 917] }
  expect(agreementNeeded(none, 50)).toBe(1)
})

it('never wipes the first replica, which keeps the whole history', () => {
  const plan = planFaults(createRandom(7), 600_000, { node: [], replica: ['wipe'] })
  const targets = new Set(plan.map((fault) => fault.target))
  expect(plan.length).toBeGreaterThan(50)
  expect([...targets].sort()).toEqual([1, 2])
})
