import { expect, it } from 'vitest'
import {
  chosenFaultKinds,
  NODE_FAULT_KINDS,
  OPTIONAL_NODE_FAULT_KINDS,
  OPTIONAL_REPLICA_FAULT_KINDS,
  planFaults,
  REPLICA_FAULT_KINDS,
} from './nemesis.ts'
import { createRandom } from './random.ts'

const allowed = [...REPLICA_FAULT_KINDS, ...OPTIONAL_REPLICA_FAULT_KINDS]

it('runs the default replica faults unless asked, and wipe only when named', () => {
  const byDefault = chosenFaultKinds(undefined, REPLICA_FAULT_KINDS, allowed)
  expect(byDefault).toEqual([...REPLICA_FAULT_KINDS])
  expect(byDefault).not.toContain('wipe')
  expect(chosenFaultKinds('lie,wipe', REPLICA_FAULT_KINDS, allowed)).toEqual(['lie', 'wipe'])
  expect(() => chosenFaultKinds('lie,melt', REPLICA_FAULT_KINDS, allowed)).toThrow(
    /unknown fault melt/,
  )
})

it('corrupts a replica only when named, never the first, each time a drawn row', () => {
  // The 60 s run of `npm test` keeps its mix: a corruption waits up to a minute for the heal.
  expect(chosenFaultKinds(undefined, REPLICA_FAULT_KINDS, allowed)).not.toContain('corrupt')
  expect(chosenFaultKinds('kill,corrupt', REPLICA_FAULT_KINDS, allowed)).toEqual([
    'kill',
    'corrupt',
  ])
  const plan = planFaults(createRandom(11), 1_800_000, { node: [], replica: ['corrupt'] })
  expect(plan.length).toBeGreaterThan(20)
  expect([...new Set(plan.map((fault) => fault.target))].sort()).toEqual([1, 2])
  expect(new Set(plan.map((fault) => fault.rowPick)).size).toBeGreaterThan(10)
  // Long enough for restart, a root checkpoint, two divergence checks and a state sync.
  expect(Math.min(...plan.map((fault) => fault.holdMs))).toBeGreaterThanOrEqual(40_000)
})

it("fills a node's disk only when named, on every node in turn, each time for seconds", () => {
  const nodeKinds = [...NODE_FAULT_KINDS, ...OPTIONAL_NODE_FAULT_KINDS]
  expect(chosenFaultKinds(undefined, NODE_FAULT_KINDS, nodeKinds)).not.toContain('disk-full')
  expect(chosenFaultKinds('kill,disk-full', NODE_FAULT_KINDS, nodeKinds)).toEqual([
    'kill',
    'disk-full',
  ])
  const plan = planFaults(createRandom(5), 600_000, { node: ['disk-full'], replica: [] })
  expect(plan.length).toBeGreaterThan(10)
  expect(new Set(plan.map((fault) => fault.target)).size).toBe(4)
  expect(Math.min(...plan.map((fault) => fault.holdMs))).toBeGreaterThan(10_000)
})
