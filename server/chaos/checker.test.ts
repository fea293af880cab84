import { expect, it } from 'vitest'
import type { ReplicaRegistry, StatusResponse } from '../../shared/api/index.ts'
import {
  agreementNeeded,
  judgeSignedReads,
  judgeStatusRecords,
  settleWithReceipts,
} from './checker.ts'
import { corruptionWindows, judgeCorruptions } from './corruptionWindows.ts'
import type { HistoryRecord, ReadRecord, StatusRecord } from './history.ts'
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

const corrupted = 'replica-2'
/** A `/status` read of `replicaId` at `atMs`: its state hash at `index`, maybe diverged. */
function statusRead(
  replicaId: string,
  atMs: number,
  index: number,
  stateHash: string,
  options: { via?: 'direct' | 'mesh'; diverged?: boolean; healedAt?: number } = {},
): StatusRecord {
  const diverged = { index, stateHash, quorumStateHash: '0xquorum', signers: ['replica-1'] }
  const status = {
    replicaId,
    appliedIndex: index,
    stateHashIndex: index,
    stateHash,
    ...(options.diverged === true ? { diverged } : {}),
    ...(options.healedAt === undefined
      ? {}
      : { healed: { ...diverged, healedAt: options.healedAt } }),
  } as StatusResponse
  const replica = Number(replicaId.slice('replica-'.length)) - 1
  return { kind: 'status', replica, atMs, via: options.via ?? 'direct', status }
}

/** A signed balance `replicaId` gave at `startMs`: `available` of BTC at `index`. */
function signedRead(replicaId: string, startMs: number, index: number, available: string) {
  const attestation = { replicaId, index, address: '0xab', token: 'BTC', available, locked: '0' }
  const signed = { attestation: { ...attestation, chainingHash: '0xc' }, signature: '0xs' }
  const replica = Number(replicaId.slice('replica-'.length)) - 1
  const read = { kind: 'read', replica, startMs, endMs: startMs + 5, ok: true, detail: 'signed' }
  return { ...read, signed, valid: true } as ReadRecord
}

const corruption = {
  kind: 'corruption',
  atMs: 1_000,
  replica: 1,
  replicaId: corrupted,
  detail: 'balances 0xab BTC available 7 -> 70',
} as const

it('finds when a corrupted replica said it diverged and when it healed', () => {
  const history: HistoryRecord[] = [
    statusRead(corrupted, 900, 40, '0xa'),
    corruption,
    statusRead(corrupted, 2_000, 41, '0xbad'),
    statusRead(corrupted, 5_000, 42, '0xbad2', { diverged: true }),
    statusRead('replica-3', 5_500, 42, '0xc', { diverged: true }),
    statusRead(corrupted, 5_150, 42, '0xbad2', { via: 'mesh' }),
    statusRead(corrupted, 9_000, 60, '0xd', { diverged: true }),
    statusRead(corrupted, 9_150, 61, '0xe'),
    statusRead(corrupted, 9_300, 62, '0xf', { diverged: true }),
  ]
  const windows = corruptionWindows(history)
  expect(windows).toEqual([
    { replicaId: corrupted, corruptedAtMs: 1_000, divergedAtMs: 5_000, healedAtMs: 9_150 },
  ])
  expect(judgeCorruptions(windows)).toEqual({
    anomalies: [],
    facts: {
      corruptions: 1,
      'corruptions found diverged': 1,
      'corruptions healed': 1,
      'max ms corruption -> diverged': 4_000,
      'max ms corruption -> healed': 8_150,
    },
  })
})

it('takes a healed divergence in a status as found and healed when no read caught it diverged', () => {
  // Seed 404: the replica found it and installed a peer's snapshot within 0.2 s, between reads.
  const windows = corruptionWindows([
    corruption,
    statusRead(corrupted, 2_000, 41, '0xbad'),
    statusRead(corrupted, 3_000, 47, '0xgood', { healedAt: 47 }),
  ])
  expect(windows).toEqual([
    { replicaId: corrupted, corruptedAtMs: 1_000, divergedAtMs: 3_000, healedAtMs: 3_000 },
  ])
  expect(judgeCorruptions(windows).anomalies).toEqual([])
})

it('counts a corrupted replica that never says it diverged, or never heals, as an anomaly', () => {
  const unnoticed = corruptionWindows([
    corruption,
    statusRead(corrupted, 2_000, 41, '0xbad'),
    statusRead(corrupted, 60_000, 900, '0xbad9'),
  ])
  expect(unnoticed).toEqual([{ replicaId: corrupted, corruptedAtMs: 1_000 }])
  const stuck = corruptionWindows([
    corruption,
    statusRead(corrupted, 3_000, 41, '0xbad', { diverged: true }),
    statusRead(corrupted, 60_000, 41, '0xbad', { diverged: true }),
  ])
  expect(stuck).toEqual([{ replicaId: corrupted, corruptedAtMs: 1_000, divergedAtMs: 3_000 }])
  const judged = judgeCorruptions([...unnoticed, ...stuck])
  expect(judged.anomalies.map((anomaly) => anomaly.kind)).toEqual([
    'corruption_not_found_diverged',
    'corruption_not_healed',
  ])
  expect(judged.facts).toMatchObject({
    corruptions: 2,
    'corruptions found diverged': 1,
    'corruptions healed': 0,
  })
})

/** Replica 2 corrupted at 1 s, said it diverged at 5 s, healed at 9 s. */
const healedWindow = {
  replicaId: corrupted,
  corruptedAtMs: 1_000,
  divergedAtMs: 5_000,
  healedAtMs: 9_000,
}

it('counts the signed balances of a corrupted replica until it healed as detections', () => {
  const committed = new Map([['40|0xab|BTC', '7/0/0xc']])
  const reads = [
    signedRead(corrupted, 500, 40, '7'),
    // Restarted at the index it stopped at, on the edited row: two amounts for one index.
    signedRead(corrupted, 2_000, 40, '70'),
    // After the heal, or from another replica, the same is a broken rule.
    signedRead(corrupted, 9_500, 40, '71'),
    signedRead('replica-3', 3_000, 40, '72'),
  ]
  const judged = judgeSignedReads(reads, committed, new Map(), () => false, [healedWindow])
  expect(judged.detections.map((found) => `${found.kind} ${found.detail}`)).toEqual([
    `signed_balance_not_committed 40 0xab BTC: signed 70/0/0xc, committed 7/0/0xc`,
  ])
  expect(judged.anomalies.map((anomaly) => anomaly.kind)).toEqual([
    'conflicting_signatures',
    'signed_balance_not_committed',
    'signed_balance_not_committed',
  ])
  // The two amounts it signed at 40 are a detection when they are its only conflict.
  const alone = judgeSignedReads(reads.slice(0, 2), committed, new Map(), () => false, [
    healedWindow,
  ])
  expect(alone.anomalies).toEqual([])
  expect(alone.detections.map((found) => found.kind)).toEqual([
    'conflicting_signatures',
    'signed_balance_not_committed',
  ])
  // A corrupted replica that never said it diverged is not excused.
  const unnoticed = { replicaId: corrupted, corruptedAtMs: 1_000 }
  const judgedUnnoticed = judgeSignedReads(reads.slice(0, 2), committed, new Map(), () => false, [
    unnoticed,
  ])
  expect(judgedUnnoticed.detections).toEqual([])
  expect(judgedUnnoticed.anomalies.map((anomaly) => anomaly.kind)).toEqual([
    'conflicting_signatures',
    'signed_balance_not_committed',
  ])
})

it('counts the state hashes a corrupted replica reported until it healed as detections', () => {
  const records = [
    statusRead('replica-1', 800, 40, '0xa'),
    statusRead(corrupted, 2_000, 40, '0xbad'),
    // It is the first to report index 41: the honest replica's hash is not the odd one.
    statusRead(corrupted, 2_100, 41, '0xbad41'),
    statusRead('replica-1', 2_200, 41, '0xb'),
    statusRead('replica-3', 2_300, 41, '0xb'),
    statusRead(corrupted, 2_400, 41, '0xbad41', { via: 'mesh' }),
    statusRead(corrupted, 9_500, 41, '0xlate'),
  ]
  const judged = judgeStatusRecords(records, { stateHashes: new Set() }, [healedWindow])
  expect(judged.detections.map((found) => `${found.kind} ${found.replicaId}`)).toEqual([
    `state_hash_divergence ${corrupted}`,
    `state_hash_divergence ${corrupted}`,
    `status_state_hash ${corrupted}`,
  ])
  expect(judged.anomalies).toEqual([
    { kind: 'state_hash_divergence', detail: `index 41: 0xb vs 0xlate (${corrupted})` },
  ])
})
