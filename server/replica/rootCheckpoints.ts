import type { FinalizedBatch } from './replicaState.ts'

/** Sync points remembered for the rule: far more than the gap between two in one page. */
const syncPointsKept = 64

/**
 * Which applied indexes every replica hashes and signs a root at (`docs/state-commitment.md`):
 * a Zellular finalization sync point whose quorum-signed time falls in another period of
 * `periodSeconds` than the sync point before it (its `parent_index`). Only the finalized sequence
 * decides it, so honest replicas hash the same indexes however their reads and commits are
 * grouped, about once per period of sequenced time, and a client finds a quorum of root
 * attestations there; the last batch before a pause is a sync point too (`StateHashSchedule`
 * hashes it once the replica is idle). Without finalization data (legacy proofs, test
 * sequencers) no batch is a checkpoint.
 *
 * One instance per reading session, fed every batch once, in order. The first sync point of a
 * session has no known parent time and is no checkpoint here: a replica that just (re)started
 * may skip one checkpoint the others take, and only withholds its attestation there.
 */
export class RootCheckpoints {
  private readonly syncPointTimes = new Map<number, number>()

  constructor(private readonly periodSeconds: number) {}

  /** Whether the state after `batch` is a root checkpoint. */
  isCheckpoint(batch: FinalizedBatch): boolean {
    const { finalization, timestamp } = batch
    if (finalization === undefined || timestamp === undefined) return false
    if (finalization.index !== batch.index) return false
    const parentTime = this.syncPointTimes.get(finalization.parentIndex)
    this.syncPointTimes.set(batch.index, timestamp)
    if (this.syncPointTimes.size > syncPointsKept) {
      this.syncPointTimes.delete(this.syncPointTimes.keys().next().value!)
    }
    if (parentTime === undefined) return false
    const period = this.periodSeconds
    return Math.floor(timestamp / period) !== Math.floor(parentTime / period)
  }
}
