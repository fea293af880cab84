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
