import type { BatchRecord } from './batchLog.ts'

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
