import bls from '@chainsafe/bls/herumi'
import { bytesToHex, hexToBytes } from 'viem'
import { rootAttestationDigest, type RootAttestation, type SignedRoot } from './rootAttestation.ts'

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
  const key = bls.SecretKey.fromBytes(secretKey)
  const signature = bytesToHex(key.sign(hexToBytes(digest)).toBytes())
  const publicKey = bytesToHex(key.toPublicKey().toBytes())
  return { attestation, digest, signature, publicKey }
}
