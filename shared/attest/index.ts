/**
 * @module attest
 * Balance attestations: the canonical statement a replica signs, its 32-byte digest, BLS12-381
 * signing and aggregation (herumi), and the quorum rule: `verifyBalanceQuorum` judges replicas'
 * answers with an injected `BlsVerifier`, so the web app can load BLS late. Pure; runs in Node
 * and the browser. Everything public is listed here. `verifyBalanceQuorum.ts`, `blsVerifier.ts`
 * and `balanceAttestation.ts` load no BLS code; the web app imports them directly.
 */
export {
  balanceAttestationDigest,
  balanceAttestationDomain,
  balanceAttestationSchema,
  balanceStatementSchema,
  buildBalanceAttestationText,
} from './balanceAttestation.ts'
export type { BalanceAttestation, BalanceStatement } from './balanceAttestation.ts'
export { createBlsVerifier } from './blsVerifier.ts'
export type { BlsVerifier } from './blsVerifier.ts'
export { verifyAggregateBalance } from './verifyAggregateBalance.ts'
export type {
  AttestationCommittee,
  VerifyAggregateBalanceRejectReason,
} from './verifyAggregateBalance.ts'
export { verifyBalanceQuorum } from './verifyBalanceQuorum.ts'
export type {
  BalanceQuorumRegistry,
  ReplicaBalanceAnswer,
  ReplicaProof,
  ReplicaProofStatus,
  VerifyBalanceQuorumParameters,
  VerifyBalanceQuorumReturnType,
} from './verifyBalanceQuorum.ts'
export { defaultQuorum, selectCommonIndex } from './quorum.ts'
export {
  aggregateBalanceSignatures,
  blsPublicKeyOf,
  signBalanceAttestation,
  verifyBalanceAttestation,
} from './signBalanceAttestation.ts'
export type { SignedBalanceAttestation } from './signBalanceAttestation.ts'
