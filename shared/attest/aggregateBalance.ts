import bls from '@chainsafe/bls/herumi'
import { bytesToHex, hexToBytes, type Hex } from 'viem'
import {
  balanceAttestationDigest,
  balanceAttestationSchema,
  type BalanceStatement,
} from './balanceAttestation.ts'
import { verifyBalanceAttestation } from './signBalanceAttestation.ts'

/** The trusted replica set: ids with their BLS keys, in registry order, and the quorum. */
export interface AttestationCommittee {
  readonly replicas: readonly { readonly id: string; readonly blsPublicKey: string }[]
  /** Agreeing signatures needed. */
  readonly quorum: number
}

/** Why a replica is not among the signers. */
export type NonSignerReason = 'unreachable' | 'behind' | 'bad_signature' | 'disagrees'

/** What one replica answered when asked for the statement's balance, as the aggregator saw it. */
export type ReplicaAnswer =
  | { readonly replicaId: string; readonly outcome: 'unreachable' | 'behind' }
  | {
      readonly replicaId: string
      readonly outcome: 'answered'
      readonly attestation: unknown
      readonly signature: string
    }

/** An aggregate over a quorum of agreeing, verified attestations. */
export interface AggregateBalance {
  readonly attestation: BalanceStatement
  readonly signers: readonly string[]
  readonly nonSigners: readonly { readonly replicaId: string; readonly reason: NonSignerReason }[]
  readonly aggregateSignature: Hex
  readonly quorum: { readonly required: number; readonly total: number }
}

/** The aggregate, or the quorum failure with who did not sign and why. */
export type AggregateBalanceReturnType =
  | { readonly ok: true; readonly value: AggregateBalance }
  | {
      readonly ok: false
      readonly reason: 'quorum_not_reached'
      readonly signers: readonly string[]
      readonly nonSigners: AggregateBalance['nonSigners']
    }

/**
 * Builds the quorum proof of a balance statement from the replicas' answers. Each answer is
 * checked against the REGISTRY key of its replica id (a key in the answer is never used); an
 * answer counts only if its attestation is exactly the statement plus its own replica id.
 * Unknown or duplicate replica ids, in the answers or in the committee, are counted once at most,
 * so nobody votes twice. Pure and deterministic:
 * signers are listed in registry order.
 */
export function aggregateBalanceAttestations(parameters: {
  readonly committee: AttestationCommittee
  readonly statement: BalanceStatement
  readonly answers: readonly ReplicaAnswer[]
}): AggregateBalanceReturnType {
  const { committee, statement } = parameters
  const byId = new Map<string, ReplicaAnswer>()
  for (const answer of parameters.answers) {
    if (!byId.has(answer.replicaId)) byId.set(answer.replicaId, answer)
  }
  const signers: string[] = []
  const signatures: Uint8Array[] = []
  const nonSigners: { replicaId: string; reason: NonSignerReason }[] = []
  const members = distinctMembers(committee.replicas)
  for (const replica of members) {
    const answer = byId.get(replica.id)
    const reason = judgeAnswer(answer, statement, replica)
    if (reason !== undefined) {
      nonSigners.push({ replicaId: replica.id, reason })
      continue
    }
    signers.push(replica.id)
    signatures.push(hexToBytes((answer as { signature: Hex }).signature))
  }
  if (signers.length < committee.quorum) {
    return { ok: false, reason: 'quorum_not_reached', signers, nonSigners }
  }
  const aggregateSignature = bytesToHex(bls.aggregateSignatures(signatures))
  const quorum = { required: committee.quorum, total: members.length }
  return {
    ok: true,
    value: { attestation: statement, signers, nonSigners, aggregateSignature, quorum },
  }
}

/**
 * The committee with each replica id once (its first entry), so a registry that lists an id
 * twice cannot count its vote twice. (`replicaRegistrySchema` refuses such a registry; this
 * holds for any committee handed in.)
 */
function distinctMembers<member extends { readonly id: string }>(
  replicas: readonly member[],
): member[] {
  const seen = new Set<string>()
  return replicas.filter((replica) => !seen.has(replica.id) && seen.add(replica.id))
}

function judgeAnswer(
  answer: ReplicaAnswer | undefined,
  statement: BalanceStatement,
  replica: { readonly id: string; readonly blsPublicKey: string },
): NonSignerReason | undefined {
  if (answer === undefined) return 'unreachable'
  if (answer.outcome !== 'answered') return answer.outcome
  const parsed = balanceAttestationSchema.safeParse(answer.attestation)
  if (!parsed.success || parsed.data.replicaId !== replica.id) return 'unreachable'
  const attestation = parsed.data
  if (attestation.index !== statement.index) return 'behind'
  if (!verifyBalanceAttestation(attestation, answer.signature, replica.blsPublicKey)) {
    return 'bad_signature'
  }
  // Every field: the amounts, and the history they come from (genesis and chaining hash).
  const { replicaId: _, ...signed } = attestation
  const same = (Object.keys(signed) as (keyof BalanceStatement)[]).every(
    (field) => signed[field] === statement[field],
  )
  return same ? undefined : 'disagrees'
}

/** Why an aggregate does not verify. */
export type VerifyAggregateBalanceRejectReason =
  'malformed' | 'unknown_signer' | 'duplicate_signer' | 'below_quorum' | 'bad_signature'

/**
 * Verifies an aggregate answer (`GET /aggregate_balance`) against the trusted committee: the
 * signers are distinct registry members, at least `committee.quorum` of them (the committee's
 * quorum, not the one in the answer), and the aggregate signature verifies with BLS
 * `verifyMultiple` over each signer's digest of `{ ...attestation, replicaId }` with its
 * registry key. Never throws.
 *
 * @example
 * const result = verifyAggregateBalance(answer, registry)
 * if (result.ok) show(`verified by ${result.signers.length} of ${registry.replicas.length}`)
 */
export function verifyAggregateBalance(
  answer: {
    readonly attestation: BalanceStatement
    readonly signers: readonly string[]
    readonly aggregateSignature: string
  },
  committee: AttestationCommittee,
):
  | { readonly ok: true; readonly signers: readonly string[] }
  | { readonly ok: false; readonly reason: VerifyAggregateBalanceRejectReason } {
  try {
    const keys = new Map(committee.replicas.map((replica) => [replica.id, replica.blsPublicKey]))
    if (new Set(answer.signers).size !== answer.signers.length) {
      return { ok: false, reason: 'duplicate_signer' }
    }
    const publicKeys: Uint8Array[] = []
    const messages: Uint8Array[] = []
    for (const replicaId of answer.signers) {
      const key = keys.get(replicaId)
      if (key === undefined) return { ok: false, reason: 'unknown_signer' }
      const attestation = balanceAttestationSchema.parse({ ...answer.attestation, replicaId })
      publicKeys.push(hexToBytes(key as Hex))
      messages.push(hexToBytes(balanceAttestationDigest(attestation)))
    }
    if (answer.signers.length < committee.quorum) return { ok: false, reason: 'below_quorum' }
    const signature = hexToBytes(answer.aggregateSignature as Hex)
    if (!bls.verifyMultiple(publicKeys, messages, signature)) {
      return { ok: false, reason: 'bad_signature' }
    }
    return { ok: true, signers: answer.signers }
  } catch {
    return { ok: false, reason: 'malformed' }
  }
}
