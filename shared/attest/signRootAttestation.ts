import { rootAttestationDigest, type RootAttestation, type SignedRoot } from './rootAttestation.ts'
import { signDigest } from './signBalanceAttestation.ts'

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
