import bls from '@chainsafe/bls/herumi'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import { balanceAttestationDigest, type BalanceAttestation } from './balanceAttestation.ts'
import { proofOfPossessionDigest } from './proofOfPossession.ts'

/** A signed attestation as a replica answers it (`GET /balance`). */
export interface SignedBalanceAttestation {
  readonly attestation: BalanceAttestation
  /** `balanceAttestationDigest(attestation)`; recomputed by verifiers, never trusted. */
  readonly digest: Hex
  /** BLS12-381 G2 signature of the digest, 96 bytes compressed. */
  readonly signature: Hex
  /** The signer's G1 public key, 48 bytes compressed; informative only. */
  readonly publicKey: Hex
}

/**
 * Signs a balance attestation with a replica's BLS secret key (32 bytes, big-endian).
 *
 * @example
 * const signed = signBalanceAttestation(secretKey, { app, network, replicaId, address, token,
 *   available: '10', locked: '0', index: 42 })
 */
export function signBalanceAttestation(
  secretKey: Uint8Array,
  attestation: BalanceAttestation,
): SignedBalanceAttestation {
  const digest = balanceAttestationDigest(attestation)
  return { attestation, digest, ...signDigest(secretKey, digest) }
}

/**
 * A 32-byte digest signed with a replica's BLS secret key (herumi), with its public key: what
 * every signed statement of a replica (balance, root) carries.
 */
export function signDigest(secretKey: Uint8Array, digest: Hex): { signature: Hex; publicKey: Hex } {
  const key = bls.SecretKey.fromBytes(secretKey)
  const signature = bytesToHex(key.sign(hexToBytes(digest)).toBytes())
  const publicKey = bytesToHex(key.toPublicKey().toBytes())
  return { signature, publicKey }
}

/** The compressed G1 public key of a BLS secret key, as `0x` hex. */
export function blsPublicKeyOf(secretKey: Uint8Array): Hex {
  return bytesToHex(bls.SecretKey.fromBytes(secretKey).toPublicKey().toBytes())
}

/**
 * A BLS key's proof of possession, as `0x` hex: its signature of `proofOfPossessionDigest` of
 * its own public key. A registry lists it beside the key (`docs/state-commitment.md`).
 */
function proveBlsPossession(secretKey: Uint8Array): Hex {
  return signDigest(secretKey, proofOfPossessionDigest(blsPublicKeyOf(secretKey))).signature
}

/** A BLS key as a registry lists it: the public key and its proof of possession. */
export function blsIdentityOf(secretKey: Uint8Array): {
  blsPublicKey: Hex
  blsProofOfPossession: Hex
} {
  return {
    blsPublicKey: blsPublicKeyOf(secretKey),
    blsProofOfPossession: proveBlsPossession(secretKey),
  }
}

/**
 * Checks one replica's signature over an attestation against a public key the caller trusts
 * (from the registry, never from the answer). The digest is recomputed from the attestation.
 * Returns false on any malformed input; never throws.
 */
export function verifyBalanceAttestation(
  attestation: BalanceAttestation,
  signature: string,
  publicKey: string,
): boolean {
  try {
    const digest = hexToBytes(balanceAttestationDigest(attestation))
    return bls.verify(hexToBytes(publicKey as Hex), digest, hexToBytes(signature as Hex))
  } catch {
    return false
  }
}

/**
 * Adds up the signatures of a verified quorum into one, as `0x` hex: what `GET
 * /aggregate_balance` answers (`verifyAggregateBalance` checks it) and a root certificate
 * carries (`certifyRoot`, `verifyRootCertificate`).
 */
export function aggregateSignatures(signatures: readonly Uint8Array[]): Hex {
  return bytesToHex(bls.aggregateSignatures([...signatures]))
}
