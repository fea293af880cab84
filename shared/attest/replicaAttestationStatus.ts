/**
 * How one replica's signed answer (a root attestation for `judgeRootAnswers`, a balance
 * attestation for `verifyBalanceQuorum`) was judged against the quorum's.
 */
export type ReplicaAttestationStatus =
  /** Its attestation is in the quorum aggregate (or, below the quorum, verifies on its own). */
  | 'signed'
  /** It has not signed the index yet (or, for a root, no longer keeps it). */
  | 'behind'
  /** No answer (connection refused, timeout, 5xx). */
  | 'unreachable'
  /** A valid signature over another statement (root, balance) of the index than the quorum's. */
  | 'disagrees'
  /** A signature that does not verify under the registry key, or a digest that is not ours. */
  | 'bad_signature'
  /**
   * An answer about another app, network, registry, replica, address, token or index, or
   * malformed.
   */
  | 'invalid_answer'
