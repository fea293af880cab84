import { hexToBytes, type Hex } from 'viem'
import type { BlsVerifier } from './blsVerifier.ts'
import { unprovenMember } from './proofOfPossession.ts'
import {
  rootAttestationDigest,
  signedRootSchema,
  type HashedRegistry,
  type RegistryMember,
  type RootStatement,
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
  /** A signer whose registry key has no valid proof of possession (the caller's registry). */
  | 'unproven_key'
  /** The aggregate of the signatures does not verify under the signers' registry keys. */
  | 'bad_signature'

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
 * distinct registry replica; all make the same statement (chaining hash, time and state hash);
 * there are at least `registry.quorum` of them; and their signatures added up verify for that
 * one statement under the signers' registry keys added up (`checkQuorumSignature`). Strict: one
 * refused entry refuses the set, naming the replica, so a caller that gathered answers from
 * every replica passes the agreeing ones (`groupRootAnswers`). Pure apart from the injected BLS
 * check; never throws.
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
  const members: RegistryMember[] = []
  const signatures: Uint8Array[] = []
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
    const member = trusted.memberOf(replicaId)
    if (member === undefined) return refuse('unknown_signer')
    if (members.includes(member)) return refuse('duplicate_signer')
    root ??= statement
    if (
      statement.stateHash !== root.stateHash ||
      statement.chainingHash !== root.chainingHash ||
      statement.time !== root.time
    ) {
      return refuse('disagreeing_roots')
    }
    members.push(member)
    signatures.push(hexToBytes(signature as Hex))
  }
  if (root === undefined || members.length < registry.quorum) {
    return { ok: false, reason: 'below_quorum' }
  }
  const refused = checkQuorumSignature(bls, members, root, signatures)
  if (refused !== undefined) return { ok: false, ...refused }
  return { ok: true, root, signers: members.map((member) => member.id) }
}

/**
 * Whether `signatures` (the signers' own, or their sum) prove that every one of `members`
 * signed `statement`: their keys' proofs of possession verify (once per key and proof, for the
 * life of the process), then the signatures' sum verifies for the statement's digest under the
 * sum of their keys (BLS FastAggregateVerify, two pairings). Undefined when they do, or why not.
 */
export function checkQuorumSignature(
  bls: BlsVerifier,
  members: readonly RegistryMember[],
  statement: RootStatement,
  signatures: Uint8Array[],
): { reason: 'unproven_key' | 'bad_signature'; replicaId?: string } | undefined {
  const unproven = unprovenMember(members, bls)
  if (unproven !== undefined) return { reason: 'unproven_key', replicaId: unproven.id }
  const keys = members.map((member) => hexToBytes(member.blsPublicKey as Hex))
  const digest = hexToBytes(rootAttestationDigest(statement))
  return bls.fastAggregateVerify(keys, digest, signatures) ? undefined : { reason: 'bad_signature' }
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
