import { expect, it } from 'vitest'
import { cpuMillisOf } from '../processCpu.ts'
import type { HistoryRecord, ProbeRecord } from './history.ts'
import { explainStall } from './stallReport.ts'

const probe = (atMs: number, finalized: number, overrides: Partial<ProbeRecord> = {}) =>
  ({
    kind: 'probe',
    atMs,
    load: 1.5,
    nodes: [
      { answerMs: 3, sequencer: '0xaaaaaaaa', sequenced: finalized, locked: finalized, finalized },
      { answerMs: 900, error: 'TimeoutError' },
    ],
    nodeCpuMs: [40, null],
    replicaCpuMs: [10, 20, 30],
    harnessCpuMs: 5,
    ...overrides,
  }) satisfies ProbeRecord

it('explains a window by the faults, node views and CPU inside it', () => {
  const records: HistoryRecord[] = [
    {
      kind: 'nemesis',
      atMs: 500,
      phase: 'start',
      fault: 'pause',
      target: 'node-2 pause',
      process: 'node-2',
    },
    {
      kind: 'nemesis',
      atMs: 1_500,
      phase: 'heal',
      fault: 'pause',
      target: 'node-2 pause',
      process: 'node-2',
    },
    {
      kind: 'nemesis',
      atMs: 2_500,
      phase: 'start',
      fault: 'kill',
      target: 'replica-1 kill',
      process: 'replica-1',
    },
    {
      kind: 'nemesis',
      atMs: 9_000,
      phase: 'start',
      fault: 'lie',
      target: 'replica-3 lie',
      process: 'replica-3',
    },
    probe(999, 1),
    probe(2_000, 7),
    probe(3_000, 9, { load: 3 }),
    probe(4_000, 99),
  ]
  expect(explainStall(records, 1_000, 3_000)).toEqual({
    faults: 'node-2 pause 0.5–1.5 s; replica-1 kill from 2.5 s',
    nodes:
      'node-1 follows 0xaaaaaaaa, finalized 7→9, slowest 3 ms; ' +
      'node-2 follows -, finalized -, slowest 900 ms, 2/2 unanswered',
    cpu: 'nodes 80/0 ms, replicas 20/40/60 ms over 2.0 s; load 1.5–3',
  })
})

it('says so when nothing was probed or faulty', () => {
  expect(explainStall([], 0, 1_000)).toEqual({
    faults: 'none',
    nodes: 'no probes',
    cpu: 'no probes',
  })
})

it('reads a live process CPU time and nothing for a gone one', () => {
  const before = cpuMillisOf(process.pid)!
  const until = performance.now() + 60
  while (performance.now() < until) Math.sqrt(until) // burn ~60 ms of CPU
  expect(cpuMillisOf(process.pid)!).toBeGreaterThan(before)
  expect(cpuMillisOf(2 ** 22 + 1)).toBeUndefined()
  expect(cpuMillisOf(undefined)).toBeUndefined()
})
