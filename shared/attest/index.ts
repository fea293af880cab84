/**
 * @module attest
 * Balance attestations: the canonical statement a replica signs, its 32-byte digest, BLS12-381
 * signing, verification and aggregation (herumi), and the quorum rule. Pure; runs in Node and
 * the browser. Everything public is listed here.
 */
export {
  balanceAttestationDigest,
  balanceAttestationDomain,
  balanceAttestationSchema,
  balanceStatementSchema,
  buildBalanceAttestationText,
} from './balanceAttestation.ts'
export type { BalanceAttestation, BalanceStatement } from './balanceAttestation.ts'
export { aggregateBalanceAttestations, verifyAggregateBalance } from './aggregateBalance.ts'
export type {
  AggregateBalance,
  AggregateBalanceReturnType,
  AttestationCommittee,
  NonSignerReason,
  ReplicaAnswer,
  VerifyAggregateBalanceRejectReason,
} from './aggregateBalance.ts'
export { defaultQuorum, selectCommonIndex } from './quorum.ts'
export {
  blsPublicKeyOf,
  signBalanceAttestation,
  verifyBalanceAttestation,
} from './signBalanceAttestation.ts'
export type { SignedBalanceAttestation } from './signBalanceAttestation.ts'
