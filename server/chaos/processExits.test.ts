import { expect, it } from 'vitest'
import type { HistoryRecord } from './history.ts'
import { judgeExits } from './processExits.ts'

/*
 * Every exit of a process the harness did not cause is an `exit` record; the checker tells the
 * ones a fault explains from the ones nothing explains, on synthetic histories.
 */

function fault(process: string, kind: string, startMs: number, healMs: number): HistoryRecord[] {
  const target = `${process} ${kind}`
  return [
    { kind: 'nemesis', atMs: startMs, phase: 'start', fault: kind, target, process },
    { kind: 'nemesis', atMs: healMs, phase: 'heal', fault: kind, target, process },
  ]
}

function exit(
  process: string,
  atMs: number,
  how: { code: number; signal: null } | { code: null; signal: string },
): HistoryRecord {
  return { kind: 'exit', atMs, process, pid: 4242, ...how }
}

it('reports a process that exited while no fault held it (chaos seed 395: a SIGHUP)', () => {
  // replica-1's process vanished at 12.1 s and stayed down 490 s; no check said so.
  const judged = judgeExits([
    ...fault('node-2', 'kill', 1_000, 9_000),
    exit('replica-1', 12_100, { code: null, signal: 'SIGHUP' }),
    exit('node-3', 30_000, { code: 1, signal: null }),
  ])
  expect(judged.anomalies).toEqual([
    {
      kind: 'process_exited',
      detail: 'replica-1 exited at 12.1 s (SIGHUP) while no fault held it',
    },
    { kind: 'process_exited', detail: 'node-3 exited at 30.0 s (code 1) while no fault held it' },
  ])
  expect(judged.facts).toEqual({ 'processes exited unexpectedly': 2 })
})

it('takes an exit by itself during a fault that may end the process as expected', () => {
  // A full disk halts the replica, which exits; a state sync (wipe, corrupt) may exit too.
  const judged = judgeExits([
    ...fault('replica-2', 'disk-full', 5_000, 17_000),
    exit('replica-2', 9_000, { code: 1, signal: null }),
    ...fault('replica-3', 'wipe', 20_000, 30_000),
    exit('replica-3', 22_000, { code: 1, signal: null }),
  ])
  expect(judged).toEqual({
    anomalies: [],
    facts: { 'processes exited during a fault that may end them': 2 },
  })
})

it('reports a node that exits on a full disk: it refuses what it cannot store and goes on', () => {
  const judged = judgeExits([
    ...fault('node-2', 'disk-full', 5_000, 20_000),
    exit('node-2', 9_000, { code: 1, signal: null }),
  ])
  expect(judged.anomalies.map((anomaly) => anomaly.detail)).toEqual([
    'node-2 exited at 9.0 s (code 1) during node-2 disk-full, which does not end it',
  ])
})

it('reports an exit a fault does not explain: a signal nobody sent, or the wrong kind or process', () => {
  const judged = judgeExits([
    // A paused replica stopped by SIGHUP (its process group orphaned while it was stopped).
    ...fault('replica-1', 'pause', 12_000, 18_000),
    exit('replica-1', 12_300, { code: null, signal: 'SIGHUP' }),
    // A full disk explains its own replica exiting with a code, not a signal, nor another one.
    ...fault('replica-2', 'disk-full', 20_000, 32_000),
    exit('replica-2', 25_000, { code: null, signal: 'SIGSEGV' }),
    exit('replica-3', 26_000, { code: 1, signal: null }),
    // After the heal the fault explains nothing.
    exit('replica-2', 32_500, { code: 1, signal: null }),
  ])
  expect(judged.anomalies.map((anomaly) => anomaly.detail)).toEqual([
    'replica-1 exited at 12.3 s (SIGHUP) during replica-1 pause, which does not end it',
    'replica-2 exited at 25.0 s (SIGSEGV) during replica-2 disk-full, which does not end it',
    'replica-3 exited at 26.0 s (code 1) while no fault held it',
    'replica-2 exited at 32.5 s (code 1) while no fault held it',
  ])
})
