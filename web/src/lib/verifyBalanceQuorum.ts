/*
 * The balance badge's quorum rule is the project's one: `verifyBalanceQuorum` of `shared/attest`,
 * which the replicas' `/aggregate_balance` and the benchmarks run too. The web app reaches it
 * through this file because attest's index.ts loads herumi (BLS) and the first paint must not:
 * the files named here load no BLS code, and the verifier is injected (`loadBls`).
 */
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
export { verifyBalanceQuorum } from '../../../shared/attest/verifyBalanceQuorum.ts'
export type {
  ReplicaBalanceAnswer,
  ReplicaProofStatus,
  VerifyBalanceQuorumParameters,
  VerifyBalanceQuorumReturnType,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/verifyBalanceQuorum.ts'

/**
 * The index to ask every replica to attest at: the highest index that at least `quorum` of the
 * reachable replicas have applied, so one slow replica does not hold the badge back and one fast
 * replica does not leave the others "behind". The replicas' `/aggregate_balance` uses the same
 * rule.
 */
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
export { selectCommonIndex } from '../../../shared/attest/quorum.ts'
