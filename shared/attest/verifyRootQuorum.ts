import { hexToBytes, type Hex } from 'viem'
import type { BlsVerifier } from './blsVerifier.ts'
import {
  rootAttestationDigest,
  signedRootSchema,
  type HashedRegistry,
  type RootAttestation,
} from './rootAttestation.ts'
import { trustedRegistry } from './trustedRegistry.ts'

/** Why a set of root attestations is not a quorum proof of one root. */
export type VerifyRootQuorumRejectReason =
  /** An entry is not a signed root attestation (`signedRootSchema`). */
  | 'malformed'
  /** An attestation is about another index than the one asked. */
  | 'wrong_index'
  /** An attestation names another app, network or replica registry. */
  | 'wrong_domain'
  /** A signer the registry does not list. */
  | 'unknown_signer'
  /** The same replica twice. */
  | 'duplicate_signer'
  /** Attestations of one index that name different roots, times or chaining hashes. */
  | 'disagreeing_roots'
  /** Fewer distinct registry replicas than the registry's quorum. */
  | 'below_quorum'
  /** The aggregate of the signatures does not verify under the signers' registry keys. */
  | 'bad_signature'

/** The root a quorum agreed on: the attestation without its replica id. */
export type RootStatement = Omit<RootAttestation, 'replicaId'>

export interface VerifyRootQuorumParameters {
  /** The trust root, from the caller's own configuration, never from a replica's answer. */
  readonly registry: HashedRegistry
  /** The index every attestation must be about. */
  readonly index: number
  /** `GET /root?index` answers (bodies as received), one per replica. */
  readonly attestations: readonly unknown[]
  readonly bls: BlsVerifier
}

export type VerifyRootQuorumReturnType =
  | { readonly ok: true; readonly root: RootStatement; readonly signers: readonly string[] }
  | {
      readonly ok: false
      readonly reason: VerifyRootQuorumRejectReason
      /** The replica whose entry was refused, when one was. */
      readonly replicaId?: string
    }

/**
 * Checks that `attestations` are a quorum proof of one state root at `index`: each is a signed
 * root attestation of that index, under the registry's app, network and registry hash, by a
 * distinct registry replica; all name the same chaining hash, time and state hash; there are
 * at least `registry.quorum` of them; and the aggregate of their signatures verifies over each
 * signer's own digest with its registry key, in one aggregate verification (BLS
 * `verifyMultiple`). Strict: one refused entry refuses the set, naming the replica, so a caller
 * that gathered answers from every replica passes the agreeing ones (`groupRootAnswers`).
 * Pure apart from the injected BLS check; never throws.
 *
 * @example
 * const result = verifyRootQuorum({ registry, index, attestations, bls })
 * if (result.ok) verifyExchangeStateProof({ key, value, proof, stateHash: result.root.stateHash })
 */
export function verifyRootQuorum(
  parameters: VerifyRootQuorumParameters,
): VerifyRootQuorumReturnType {
  const { registry, index, bls } = parameters
  const trusted = trustedRegistry(registry)
  if (trusted === undefined) return { ok: false, reason: 'malformed' }
  const publicKeys: Uint8Array[] = []
  const digests: Uint8Array[] = []
  const signatures: Uint8Array[] = []
  const signers: string[] = []
  let root: RootStatement | undefined
  for (const entry of parameters.attestations) {
    const parsed = signedRootSchema.safeParse(entry)
    if (!parsed.success) return { ok: false, reason: 'malformed' }
    const { attestation, signature } = parsed.data
    const { replicaId, ...statement } = attestation
    const refuse = (reason: VerifyRootQuorumRejectReason) => ({
      ok: false as const,
      reason,
      replicaId,
    })
    if (attestation.index !== index) return refuse('wrong_index')
    if (trusted.outOfDomain(attestation)) return refuse('wrong_domain')
    const key = trusted.keyOf(replicaId)
    if (key === undefined) return refuse('unknown_signer')
    if (signers.includes(replicaId)) return refuse('duplicate_signer')
    root ??= statement
    if (
      statement.stateHash !== root.stateHash ||
      statement.chainingHash !== root.chainingHash ||
      statement.time !== root.time
    ) {
      return refuse('disagreeing_roots')
    }
    signers.push(replicaId)
    publicKeys.push(hexToBytes(key as Hex))
    digests.push(hexToBytes(rootAttestationDigest(attestation)))
    signatures.push(hexToBytes(signature as Hex))
  }
  if (root === undefined || signers.length < registry.quorum) {
    return { ok: false, reason: 'below_quorum' }
  }
  if (!bls.verifyAggregate(publicKeys, digests, signatures)) {
    return { ok: false, reason: 'bad_signature' }
  }
  return { ok: true, root, signers }
}

/**
 * Groups replicas' `GET /root?index` answers by the root they name (state hash, chaining hash,
 * time) among the well-formed attestations of `index` by distinct replicas, largest group first:
 * what a client passes to `verifyRootQuorum` after asking every replica. Nothing is verified
 * here.
 */
export function groupRootAnswers(answers: readonly unknown[], index: number): unknown[][] {
  const groups = new Map<string, unknown[]>()
  const seen = new Set<string>()
  for (const answer of answers) {
    const parsed = signedRootSchema.safeParse(answer)
    if (!parsed.success || parsed.data.attestation.index !== index) continue
    const { replicaId, stateHash, chainingHash, time } = parsed.data.attestation
    if (seen.has(replicaId)) continue
    seen.add(replicaId)
    const key = `${stateHash} ${chainingHash} ${time}`
    groups.set(key, [...(groups.get(key) ?? []), answer])
  }
  return [...groups.values()].sort((a, b) => b.length - a.length)
}
