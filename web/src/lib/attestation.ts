// attest's index.ts loads herumi (BLS); the web app's first load takes this BLS-free file only.
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { balanceAttestationDigest } from '../../../shared/attest/balanceAttestation.ts'
import { hexToBytesOrUndefined } from './hex.ts'
import type { BalanceAttestation } from './verifyBalanceQuorum.ts'

/**
 * The 32-byte digest a replica signs for a balance attestation, computed in the browser with the
 * same canonical text as the replicas (`shared/attest`). Throws on fields out of format.
 */
export function attestationDigestBytes(attestation: BalanceAttestation): Uint8Array {
  return hexToBytesOrUndefined(balanceAttestationDigest(attestation))!
}
