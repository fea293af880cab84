/**
 * How many batches one replica's word may put a batch ahead of the highest index a quorum was
 * last seen to have applied (the portfolio check's `appliedIndex`). A replica streams or lists
 * a batch as soon as it applies it, before the next check sees a quorum there, and checks run
 * every few seconds (at most a few hundred batches at the fastest batch rate). A batch further
 * ahead is the replica's invention.
 */
const batchesAheadOfQuorumMax = 1000

/**
 * Whether batch `index`, as one replica states it, lies beyond anything a quorum can have
 * applied by now (`batchesAheadOfQuorumMax` past `quorumIndex`). False when no quorum index is
 * known: then nothing can be judged.
 */
export function isBeyondQuorum(index: number, quorumIndex: number | undefined): boolean {
  return quorumIndex !== undefined && index > quorumIndex + batchesAheadOfQuorumMax
}
