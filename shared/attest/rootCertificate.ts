import { hexToBytes, type Hex } from 'viem'
import { z } from 'zod'
import type { BlsVerifier } from './blsVerifier.ts'
import {
  blsSignatureText,
  rootAttestationSchema,
  rootStatementSchema,
  type HashedRegistry,
  type RegistryMember,
} from './rootAttestation.ts'
import { trustedRegistry } from './trustedRegistry.ts'
import { checkQuorumSignature, type VerifyRootQuorumReturnType } from './verifyRootQuorum.ts'

/**
 * A quorum certificate of one state root (`GET /root_certificate?index`): the statement a quorum
 * of replicas signed (a root attestation without its replica id), who signed it, and their
 * signatures added up into one (96 bytes). Anyone can check it with the registry alone, in one
 * aggregate verification, whoever served it.
 */
export const rootCertificateSchema = z.strictObject({
  statement: rootStatementSchema,
  signers: z.array(rootAttestationSchema.shape.replicaId).min(1).max(256),
  /** The BLS12-381 G2 sum of the signers' root attestation signatures, compressed. */
  aggregateSignature: blsSignatureText,
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
 * of them, and the aggregate signature verifies for the statement under the sum of the signers'
 * registry keys, each with its proof of possession (`checkQuorumSignature`): the same facts
 * `verifyRootQuorum` checks from separate attestations, with the same reasons. Pure apart from
 * the injected BLS check; never throws.
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
  const members: RegistryMember[] = []
  for (const [position, replicaId] of signers.entries()) {
    const member = trusted.memberOf(replicaId)
    if (member === undefined) return { ok: false, reason: 'unknown_signer', replicaId }
    if (signers.indexOf(replicaId) !== position) {
      return { ok: false, reason: 'duplicate_signer', replicaId }
    }
    members.push(member)
  }
  if (signers.length < registry.quorum) return { ok: false, reason: 'below_quorum' }
  const aggregate = hexToBytes(aggregateSignature as Hex)
  const refused = checkQuorumSignature(bls, members, statement, [aggregate])
  if (refused !== undefined) return { ok: false, ...refused }
  return { ok: true, root: statement, signers }
}
