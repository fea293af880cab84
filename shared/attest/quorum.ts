/**
 * The default quorum of a registry of `total` replicas: ⌈2n/3⌉ by count (2 of 3, 3 of 4, 5 of 7).
 * Any two such quorums overlap in at least ⌈n/3⌉ replicas, so with fewer than n/3 faulty
 * replicas two contradicting aggregates cannot both reach the quorum.
 */
export function defaultQuorum(total: number): number {
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`replica count ${total}`)
  return Math.ceil((2 * total) / 3)
}

/**
 * The index to ask every replica to attest at: the `quorum`-th highest of the applied indexes
 * the replicas reported, i.e. the highest index at least `quorum` of them have applied. No
 * replica decides it alone: fewer than a quorum of replicas reporting too low (say 0) cannot
 * pull it back, nor can those reporting too high push it beyond what a quorum has applied. With
 * fewer reports than the quorum, the lowest of them. Undefined when nobody reported.
 *
 * @example
 * selectCommonIndex([10, 12, 0], 2) // 10
 */
export function selectCommonIndex(
  appliedIndexes: readonly number[],
  quorum: number,
): number | undefined {
  if (appliedIndexes.length === 0) return undefined
  const sorted = [...appliedIndexes].sort((a, b) => b - a)
  return sorted[Math.min(Math.max(quorum, 1), sorted.length) - 1]
}
