/**
 * The default quorum of a registry of `total` replicas: ⌈2n/3⌉ by count (2 of 3, 3 of 4, 5 of 7).
 * Any two such quorums overlap in at least ⌈n/3⌉ replicas, so with fewer than n/3 faulty
 * replicas two contradicting aggregates cannot both reach the quorum.
 */
export function defaultQuorum(total: number): number {
  if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`replica count ${total}`)
  return Math.ceil((2 * total) / 3)
}
