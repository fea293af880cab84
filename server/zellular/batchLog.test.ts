import Database from 'better-sqlite3'
import { beforeAll, expect, it } from 'vitest'
import { initZellular, type SignatureRecord } from '../../shared/zellular/index.ts'
import { BatchLog } from './batchLog.ts'
import { lockProofOf } from './node.ts'

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
