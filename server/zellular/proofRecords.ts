import type { SignatureRecord } from '../../shared/zellular/index.ts'
import type { BatchRecord } from './batchLog.ts'

/** The signed fields of a stored proof; lock proofs are always signed with timestamp 0. */
export function recordFields(record: SignatureRecord) {
  return {
    state: record.state,
    index: record.index,
    chaining_hash: record.chaining_hash,
    parent_index: record.parent_index,
    timestamp: record.state === 'sequenced' ? 0 : record.timestamp,
  }
}

/** The `finalized_signatures[]` entry for a finalization sync point. */
export function finalizationProofOf(record: BatchRecord) {
  return {
    state: 'locked' as const,
    index: record.index,
    parent_index: record.parentIndex ?? 0,
    chaining_hash: record.chainingHash,
    signature: record.finalizedSignature!,
    nonsigners: record.finalizedNonsigners ?? [],
    tag: record.finalizedTag ?? 0,
    timestamp: record.timestamp ?? 0,
  }
}

/** The `last_locked_signature` for a lock sync point (parent and timestamp 0 as it was signed). */
export function lockProofOf(record: BatchRecord) {
  return {
    state: 'sequenced' as const,
    index: record.index,
    parent_index: record.lockedParentIndex ?? record.parentIndex ?? 0,
    chaining_hash: record.chainingHash,
    signature: record.lockedSignature!,
    nonsigners: record.lockedNonsigners ?? [],
    tag: record.lockedTag ?? 0,
    timestamp: 0,
  }
}
