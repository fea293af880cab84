import Database from 'better-sqlite3'
import { beforeAll, expect, it } from 'vitest'
import { initZellular, type SignatureRecord } from '../../shared/zellular/index.ts'
import { BatchLog } from './batchLog.ts'
import { lockProofOf } from './proofRecords.ts'
import { BATCH_COST_MIN_BYTES } from '../../shared/zellular/index.ts'

beforeAll(() => initZellular())

function proof(
  log: BatchLog,
  state: 'sequenced' | 'locked',
  index: number,
  parent: number,
): SignatureRecord {
  return {
    state,
    index,
    parent_index: parent,
    chaining_hash: log.chainingHashAt(index),
    signature: 'unchecked',
    nonsigners: [],
    tag: 0,
    timestamp: state === 'locked' ? 1_700_000_000 : 0,
  }
}

it('keeps the parent a lock was signed with when the same index is finalized later', () => {
  // With pipelined locks, index 3 is locked while 1 is the last finalization and finalized once
  // 2 is: the lock proof served for 3 must still name parent 1, or it no longer verifies (an
  // honest sequencer's `last_locked_signature` was refused as bad_signature by followers).
  const db = new Database(':memory:')
  BatchLog.migrate(db)
  const log = new BatchLog(db, 'a')
  log.append(['b1', 'b2', 'b3'])
  expect(log.promote(proof(log, 'sequenced', 1, 0), true)).toBeNull()
  expect(log.promote(proof(log, 'locked', 1, 0), true)).toBeNull()
  expect(log.promote(proof(log, 'sequenced', 2, 1), true)).toBeNull()
  expect(log.promote(proof(log, 'sequenced', 3, 1), true)).toBeNull()
  expect(log.promote(proof(log, 'locked', 2, 1), true)).toBeNull()
  expect(log.promote(proof(log, 'locked', 3, 2), true)).toBeNull()
  const record = log.get(3)!
  expect(lockProofOf(record).parent_index).toBe(1)
  expect(record.parentIndex).toBe(2) // the finalization's own parent
  // The same after the record is read back from SQLite.
  const reopened = new BatchLog(db, 'a', 0)
  expect(lockProofOf(reopened.get(3)!).parent_index).toBe(1)
  db.close()
})

it('takes a proof signed on an older parent, from a sequencer that missed a finalization', () => {
  // Sequencer A finalized 2 and crashed before the others learned it; B, whose last finalization
  // is 1, finalizes 4 naming parent 1. zsequencer's rule (parent = own last finalization) made
  // this node refuse 4 and every later proof, which all build on it: it stopped for good (chaos
  // seed 202). The chaining hash at 4 ties the proof to this log whatever parent it names.
  const db = new Database(':memory:')
  BatchLog.migrate(db)
  const log = new BatchLog(db, 'a')
  log.append(['b1', 'b2', 'b3', 'b4', 'b5'])
  for (const [state, index, parent] of [
    ['sequenced', 1, 0],
    ['locked', 1, 0],
    ['sequenced', 2, 1],
    ['locked', 2, 1],
  ] as const) {
    expect(log.promote(proof(log, state, index, parent))).toBeNull()
  }
  // A parent this node has not finalized (3) is still refused.
  expect(log.promote(proof(log, 'sequenced', 4, 3))).toBe('parent_mismatch')
  expect(log.promote(proof(log, 'sequenced', 4, 1))).toBeNull()
  expect(log.promote(proof(log, 'locked', 4, 1))).toBeNull()
  expect(log.lastFinalized).toBe(4)
  expect(log.promote(proof(log, 'sequenced', 5, 4))).toBeNull()
  expect(log.promote(proof(log, 'locked', 5, 4))).toBeNull()
  // A proof must still match this log's chaining hash.
  const other = new BatchLog(db, 'other')
  other.append(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'])
  log.append(['b6'])
  expect(
    log.promote({ ...proof(log, 'sequenced', 6, 2), chaining_hash: other.chainingHashAt(6) }),
  ).toBe('chain_mismatch')
  db.close()
})

it('a page carries its first batch even when that batch alone is over the page cap', () => {
  // A log may hold a body over the cap (finalized before followers refused oversize answers).
  // A page that left it out was empty: every node answered "nothing after it" for good, and every
  // reader and follower behind it stopped there. Pages after it still stop at the cap.
  const db = new Database(':memory:')
  BatchLog.migrate(db)
  const log = new BatchLog(db, 'a', 1)
  log.append(['small', 'x'.repeat(3000), 'next', 'last'])
  for (let index = 1; index <= 4; index++) {
    expect(log.promote(proof(log, 'sequenced', index, index - 1))).toBeNull()
    expect(log.promote(proof(log, 'locked', index, index - 1))).toBeNull()
  }
  // Batches 1-3 are read from SQLite, 4 from memory (one finalized batch is kept there).
  for (const state of ['sequenced', 'finalized'] as const) {
    expect(log.range(1, state, 1000).map((record) => record.index)).toEqual([2])
    expect(log.range(0, state, 1000).map((record) => record.index)).toEqual([1])
    expect(log.range(2, state, 1000).map((record) => record.index)).toEqual([3, 4])
  }
  db.close()
})

it('counts each batch of a page at its cost, so a page of tiny batches stops at the cap too', () => {
  // Counted by bytes alone, empty batches filled no page: one read answered every one of them.
  const db = new Database(':memory:')
  BatchLog.migrate(db)
  const log = new BatchLog(db, 'a', 1)
  log.append(Array.from({ length: 600 }, () => ''))
  const page = log.range(0, 'sequenced', 10 * BATCH_COST_MIN_BYTES)
  expect(page.map((record) => record.index)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
  db.close()
})

it('keeps no trace in memory of a finalization its disk could not take', () => {
  // A full disk fails the finalization's transaction. The record kept its proof in memory all
  // the same: the node then served a finalization it never wrote, and once the disk had room
  // and another finalization on the same parent came (a new sequencer's, past it), wrote it
  // with that one: two finalizations on one parent, each with its own time for the same batches.
  const db = new Database(':memory:')
  BatchLog.migrate(db)
  const log = new BatchLog(db, 'a')
  const bodies = Array.from({ length: 40 }, (_, i) => `${'x'.repeat(3_000)}${i}`)
  log.append(bodies)
  for (const [state, index, parent] of [
    ['sequenced', 2, 0],
    ['locked', 2, 0],
    ['sequenced', 40, 2],
  ] as const) {
    expect(log.promote(proof(log, state, index, parent), true)).toBeNull()
  }
  const pages = db.pragma('page_count', { simple: true }) as number
  db.pragma(`max_page_count = ${pages + 4}`)
  expect(log.promote(proof(log, 'locked', 30, 2), true)).toBe(
    'unstored (SQLITE_FULL: database or disk is full)',
  )
  expect(log.lastFinalized).toBe(2)
  expect(log.get(30)!.finalizedSignature).toBeUndefined()
  expect(log.get(2)!.nextIndex).toBeUndefined()
  expect(log.finalizationProofsBetween(0, 40).map((record) => record.index)).toEqual([2])

  db.pragma('max_page_count = 1000000')
  expect(log.promote(proof(log, 'locked', 40, 2), true)).toBeNull()
  expect(log.get(2)!.nextIndex).toBe(40)
  const reopened = new BatchLog(db, 'a', 0)
  expect(reopened.finalizationProofsBetween(0, 40).map((record) => record.index)).toEqual([2, 40])
  expect(reopened.get(30)!.finalizedSignature).toBeUndefined()
  db.close()
})
