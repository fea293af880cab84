/**
 * @module attest
 * Balance and root attestations: the canonical statements a replica signs, their 32-byte
 * digests, BLS12-381 signing and aggregation (herumi), and the quorum rules:
 * `verifyBalanceQuorum` judges replicas' balance answers, `verifyRootQuorum` checks a quorum of
 * root attestations and `judgeRootAnswers` names each replica's root answer against it (the web
 * app's badge and `npm run verify` both), all with an injected `BlsVerifier`, so the web app can
 * load BLS late. Pure; runs in Node and the browser. Everything public is listed here.
 * `verifyBalanceQuorum.ts`, `verifyRootQuorum.ts`, `judgeRootAnswers.ts`, `blsVerifier.ts`,
 * `balanceAttestation.ts`, `rootAttestation.ts` and `replicaAttestationStatus.ts` load no BLS
 * code; the web app imports them directly.
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
export type { BlsVerifier, Herumi } from './blsVerifier.ts'
export { herumi } from './herumi.ts'
export { judgeRootAnswers } from './judgeRootAnswers.ts'
export type {
  JudgeRootAnswersParameters,
  ReplicaRootAnswer,
  ReplicaRootLine,
  RootJudgement,
} from './judgeRootAnswers.ts'
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
  VerifyBalanceQuorumParameters,
  VerifyBalanceQuorumReturnType,
} from './verifyBalanceQuorum.ts'
export { defaultQuorum, selectCommonIndex } from './quorum.ts'
export type { ReplicaAttestationStatus } from './replicaAttestationStatus.ts'
export {
  buildRootAttestationText,
  registryHashOf,
  replicaRegistryHashDomain,
  rootAttestationDigest,
  rootAttestationDomain,
  rootAttestationSchema,
  signedRootSchema,
} from './rootAttestation.ts'
export type {
  HashedRegistry,
  RegistryMember,
  RootAttestation,
  RootStatement,
  SignedRoot,
} from './rootAttestation.ts'
export { proofOfPossessionDigest, unprovenMember } from './proofOfPossession.ts'
export { rootCertificateSchema, verifyRootCertificate } from './rootCertificate.ts'
export type { RootCertificate, VerifyRootCertificateParameters } from './rootCertificate.ts'
export { certifyRoot, signRootAttestation } from './signRootAttestation.ts'
export { groupRootAnswers, verifyRootQuorum } from './verifyRootQuorum.ts'
export type {
  VerifyRootQuorumParameters,
  VerifyRootQuorumRejectReason,
  VerifyRootQuorumReturnType,
} from './verifyRootQuorum.ts'
export {
  aggregateSignatures,
  blsIdentityOf,
  blsPublicKeyOf,
  signBalanceAttestation,
  verifyBalanceAttestation,
} from './signBalanceAttestation.ts'
export type { SignedBalanceAttestation } from './signBalanceAttestation.ts'
