import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { buildWaterfall, emptyTimeline, timelineProblems } from './latencyWaterfall.ts'

const run = promisify(execFile)
const TSX = join(import.meta.dirname, '../node_modules/tsx/dist/cli.mjs')

/** A complete timeline on 2 replicas, each stage 1 ms after the one before. */
function complete(id: string) {
  const timeline = emptyTimeline(id, 2)
  Object.assign(timeline, {
    index: 1,
    sent: 0,
    received: 1,
    batched: 2,
    accepted: 3,
    sequenced: 4,
    locked: 5,
    finalized: 6,
    read: [7, 7],
    applied: [8, 8],
    eventSent: [9, 9],
    seen: [10, 11],
  })
  return timeline
}

describe('the latency waterfall', () => {
  it('finds missing and out-of-order stamps, on every replica', () => {
    expect(timelineProblems(complete('a'))).toEqual([])
    const gap = complete('b')
    gap.locked = undefined
    gap.applied[1] = undefined
    expect(timelineProblems(gap)).toEqual(['no locked', 'no applied on replica 2'])
    const early = complete('c')
    early.read[1] = 5.5
    expect(timelineProblems(early)).toEqual(['read on replica 2 0.500 ms before finalized'])
  })

  it('takes the per-replica stages on the slowest replica', () => {
    const waterfall = buildWaterfall([complete('a')])
    expect(waterfall.stages.at(-1)).toEqual({ stage: 'seen', p50: 2, p99: 2 })
    expect(waterfall.endToEnd).toEqual({ p50: 11, p99: 11 })
    expect(waterfall.holdsP99.stage).toBe('seen')
  })
})

// Smoke run on real processes: every intent sent is timed through every stage, in order.
it(
  'bench:latency stamps every intent at every stage, monotonically, on 4 nodes and 3 replicas',
  { timeout: 300_000 },
  async () => {
    const script = join(import.meta.dirname, 'latency.ts')
    const args = [TSX, script, '--smoke', '--rates=40', '--seconds=2', '--warmup-seconds=1']
    // Ports of their own, apart from the other benchmark smoke runs.
    args.push('--zellular-port=17601', '--replica-port=17701')
    const { stdout } = await run(process.execPath, args, {
      env: { ...process.env, BENCH_SMOKE: '1' },
      maxBuffer: 16 * 1024 * 1024,
    })
    const json = JSON.parse(stdout.trim().split('\n').at(-1) ?? '')
    expect(json.results.r40_sent).toBe(80)
    expect(json.results.r40_incompleteOrOutOfOrder).toBe(0)
    expect(json.results.r40_timedIntents).toBe(80)
    expect(json.results.r40_endToEndP50Ms).toBeGreaterThan(0)
    // Finalizing costs pairing checks on the nodes and on the replicas that check the proofs.
    expect(json.results.r40_pairingChecksPerTransfer_sequencer).toBeGreaterThan(0)
    expect(json.results.r40_pairingChecksPerTransfer_replica1).toBeGreaterThan(0)
    // The followers' PUTs reach the sequencer; the load generator's POSTs the replicas.
    expect(json.results.r40_requestsPerTransfer_sequencer).toBeGreaterThan(0)
    expect(json.results.r40_requestsPerTransfer_nodesByRoute).toContain('PUT /sequencer/batches')
    expect(json.results.r40_requestsPerTransfer_replicasByRoute).toContain('POST /transfer')
    // Every process's event loop over the run: busy, and how late it ran.
    expect(json.results.r40_eventLoopBusyPercent_sequencer).toBeGreaterThan(0)
    expect(json.results.r40_eventLoopBusyPercent_replica3).toBeGreaterThan(0)
    expect(json.results).toHaveProperty('r40_eventLoopDelayP99Ms_follower1')
  },
)
