import { hexToBytes, type Hex } from 'viem'
import { z } from 'zod'
import type { BlsVerifier } from './blsVerifier.ts'
import {
  rootAttestationDigest,
  rootAttestationSchema,
  type HashedRegistry,
} from './rootAttestation.ts'
import { trustedRegistry } from './trustedRegistry.ts'
import type { VerifyRootQuorumReturnType } from './verifyRootQuorum.ts'

/**
 * A quorum certificate of one state root (`GET /root_certificate?index`): the statement a quorum
 * of replicas signed (a root attestation without its replica id), who signed it, and their
 * signatures added up into one (96 bytes). Anyone can check it with the registry alone, in one
 * aggregate verification, whoever served it.
 */
export const rootCertificateSchema = z.strictObject({
  statement: rootAttestationSchema.omit({ replicaId: true }),
  signers: z.array(rootAttestationSchema.shape.replicaId).min(1).max(256),
  /** The BLS12-381 G2 sum of the signers' root attestation signatures, compressed. */
  aggregateSignature: z.string().regex(/^0x[0-9a-f]{192}$/),
})

export type RootCertificate = z.infer<typeof rootCertificateSchema>

export interface VerifyRootCertificateParameters {
  /** The trust root, from the caller's own configuration, never from the certificate. */
  readonly registry: HashedRegistry
  /** The index the certificate must be about. */
  readonly index: number
  /** As received. */
  readonly certificate: unknown
  readonly bls: BlsVerifier
}

/**
 * Checks a root certificate under the caller's registry: of `index`, of the registry's app,
 * network and registry hash, signed by distinct registry replicas, at least `registry.quorum`
 * of them, and the aggregate signature verifies (BLS `verifyMultiple`) over each signer's own
 * attestation digest (`rootAttestationDigest` of the statement with its replica id) with its
 * registry key: the same facts `verifyRootQuorum` checks from separate attestations, with the
 * same reasons. Pure apart from the injected BLS check; never throws.
 *
 * @example
 * const result = verifyRootCertificate({ registry, index, certificate: body, bls })
 * if (result.ok) verifyExchangeStateProof({ key, value, proof, stateHash: result.root.stateHash })
 */
export function verifyRootCertificate(
  parameters: VerifyRootCertificateParameters,
): VerifyRootQuorumReturnType {
  const { registry, index, bls } = parameters
  const parsed = rootCertificateSchema.safeParse(parameters.certificate)
  if (!parsed.success) return { ok: false, reason: 'malformed' }
  const { statement, signers, aggregateSignature } = parsed.data
  const trusted = trustedRegistry(registry)
  if (trusted === undefined) return { ok: false, reason: 'malformed' }
  if (statement.index !== index) return { ok: false, reason: 'wrong_index' }
  if (trusted.outOfDomain(statement)) return { ok: false, reason: 'wrong_domain' }
  const publicKeys: Uint8Array[] = []
  const digests: Uint8Array[] = []
  for (const [position, replicaId] of signers.entries()) {
    const key = trusted.keyOf(replicaId)
    if (key === undefined) return { ok: false, reason: 'unknown_signer', replicaId }
    if (signers.indexOf(replicaId) !== position) {
      return { ok: false, reason: 'duplicate_signer', replicaId }
    }
    publicKeys.push(hexToBytes(key as Hex))
    digests.push(hexToBytes(rootAttestationDigest({ ...statement, replicaId })))
  }
  if (signers.length < registry.quorum) return { ok: false, reason: 'below_quorum' }
  if (!bls.verifyMultiple(publicKeys, digests, hexToBytes(aggregateSignature as Hex))) {
    return { ok: false, reason: 'bad_signature' }
  }
  return { ok: true, root: statement, signers }
}
