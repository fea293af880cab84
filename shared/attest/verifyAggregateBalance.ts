import bls from '@chainsafe/bls/herumi'
import { hexToBytes, type Hex } from 'viem'
import {
  balanceAttestationDigest,
  balanceAttestationSchema,
  type BalanceStatement,
} from './balanceAttestation.ts'

/** The trusted replica set: ids with their BLS keys, in registry order, and the quorum. */
export interface AttestationCommittee {
  readonly replicas: readonly { readonly id: string; readonly blsPublicKey: string }[]
  /** Agreeing signatures needed. */
  readonly quorum: number
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
