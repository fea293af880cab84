import { balanceProofResponseSchema } from '../../../shared/api/index.ts'
import { balanceLeaf, verifyExchangeStateProof } from '../../../shared/exchange/index.ts'

/** A replica's answer to `GET /balance_proof?address&token`, as the transport saw it. */
export type BalanceProofAnswer =
  /** A response body, parsed here with `balanceProofResponseSchema` of `shared/api`. */
  | { readonly replicaId: string; readonly kind: 'answer'; readonly body: unknown }
  /** No usable answer: unreachable, timed out, 503 `proof_unavailable`, any other error. */
  | { readonly replicaId: string; readonly kind: 'unavailable'; readonly message: string }

/** Why a replica's balance proof was not taken. */
export type BalanceProofRefusal =
  /** Its value is not the one its proof ties to the quorum's root: the replica lied. */
  | 'false_value'
  /** A proof at another index than the quorum root's (the replica has hashed a newer state). */
  | 'other_index'
  /** No proof served. */
  | 'unavailable'
  /** An answer about another replica, address or token, or malformed. */
  | 'invalid_answer'

export type BalanceProofJudgement =
  | { readonly ok: true; readonly available: bigint; readonly locked: bigint }
  | {
      readonly ok: false
      readonly refusal: BalanceProofRefusal
      readonly detail: string
      /** The amounts the replica claimed, when it sent any. */
      readonly claimed?: { readonly available: bigint; readonly locked: bigint }
    }

export interface JudgeBalanceProofParameters {
  readonly address: string
  readonly token: string
  /** The root a quorum signed: its index and state hash. */
  readonly root: { readonly index: number; readonly stateHash: string }
  readonly answer: BalanceProofAnswer
}

/** The amounts a replica's answer claims for the address and token, checked against nothing. */
export type BalanceClaim =
  | {
      readonly ok: true
      readonly available: bigint
      readonly locked: bigint
      readonly index: number
      readonly proof: string
    }
  | { readonly ok: false; readonly refusal: BalanceProofRefusal; readonly detail: string }

/**
 * Reads a balance answer: the amounts, index and proof it claims for `address` and `token`, or
 * why it is no such answer (unavailable, malformed, about another replica, address or token).
 * What a page shows, marked unverified, when there is no quorum root to check it against.
 */
export function readBalanceClaim(
  address: string,
  token: string,
  answer: BalanceProofAnswer,
): BalanceClaim {
  if (answer.kind === 'unavailable') {
    return { ok: false, refusal: 'unavailable', detail: answer.message }
  }
  const invalid = (detail: string) => ({
    ok: false as const,
    refusal: 'invalid_answer' as const,
    detail,
  })
  const parsed = balanceProofResponseSchema.safeParse(answer.body)
  if (!parsed.success) return invalid('malformed balance proof')
  const served = parsed.data
  if (served.replicaId !== answer.replicaId) return invalid('other replica id')
  if (served.address !== address.toLowerCase()) return invalid('other address')
  if (served.token !== token) return invalid('other token')
  const { index, proof } = served
  return {
    ok: true,
    available: BigInt(served.available),
    locked: BigInt(served.locked),
    index,
    proof,
  }
}

/**
 * Checks one replica's balance answer against the root a quorum signed: the leaf is rebuilt here
 * from the amounts the replica claims (never taken from its `key`, `value` or `stateHash`), and
 * its proof must lead from that leaf to the quorum's state hash (`verifyExchangeStateProof`). A
 * proof that does not is `false_value`: the replica served a balance its own proof does not
 * tie to the root it signed with the others. Pure and never throws.
 *
 * @example
 * const judged = judgeBalanceProof({ address, token, root: { index, stateHash }, answer })
 * if (judged.ok) show(judged.available)
 */
export function judgeBalanceProof(parameters: JudgeBalanceProofParameters): BalanceProofJudgement {
  const { root, token } = parameters
  const address = parameters.address.toLowerCase()
  const claim = readBalanceClaim(address, token, parameters.answer)
  if (!claim.ok) return claim
  const claimed = { available: claim.available, locked: claim.locked }
  if (claim.index !== root.index) {
    const detail = `proof at index ${claim.index}, not the quorum root's ${root.index}`
    return { ok: false, refusal: 'other_index', detail, claimed }
  }
  const [key, value] = balanceLeaf(address, token, claimed)
  const stateHash = root.stateHash
  const proof = verifyExchangeStateProof({ key, value, proof: claim.proof, stateHash })
  if (!proof.ok) {
    const detail = `served a balance its proof does not tie to the quorum root (${proof.reason})`
    return { ok: false, refusal: 'false_value', detail, claimed }
  }
  return { ok: true, ...claimed }
}
