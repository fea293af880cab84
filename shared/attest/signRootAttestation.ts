import { hexToBytes, type Hex } from 'viem'
import { rootAttestationDigest, type RootAttestation, type SignedRoot } from './rootAttestation.ts'
import type { RootCertificate } from './rootCertificate.ts'
import { aggregateSignatures, signDigest } from './signBalanceAttestation.ts'

/**
 * Signs a root attestation with a replica's BLS secret key (32 bytes, big-endian): about as
 * costly as one balance signature (herumi, a few ms), so replicas sign once per state hash.
 *
 * @example
 * const signed = signRootAttestation(secretKey, { app, network, registryHash, replicaId,
 *   index: 42, chainingHash, time, stateHash })
 */
export function signRootAttestation(
  secretKey: Uint8Array,
  attestation: RootAttestation,
): SignedRoot {
  const digest = rootAttestationDigest(attestation)
  return { attestation, digest, ...signDigest(secretKey, digest) }
}

/**
 * The certificate of a root from the signed attestations of a quorum that agree on it (checked
 * first, e.g. by `verifyRootQuorum` or `judgeRootAnswers`): their statement, their replica ids and
 * their signatures added up.
 */
export function certifyRoot(agreeing: readonly SignedRoot[]): RootCertificate {
  const [first] = agreeing
  if (first === undefined) throw new RangeError('no attestation to certify')
  const { replicaId: _, ...statement } = first.attestation
  return {
    statement,
    signers: agreeing.map((signed) => signed.attestation.replicaId),
    aggregateSignature: aggregateSignatures(
      agreeing.map((signed) => hexToBytes(signed.signature as Hex)),
    ),
  }
}
