import type { z } from 'zod'
import { balanceProofSchema, orderProofSchema } from '../api/index.ts'
import type { StateProofRejectReason } from '../stateHash/index.ts'
import { balanceLeaf, orderLeaf, type StateLeaf } from './stateLeaves.ts'
import { verifyExchangeStateProof } from './verifyExchangeStateProof.ts'

/**
 * A replica's answer about one value: as the transport saw `GET /balances?proof=1` or
 * `GET /orders?proof=1`, or that value's part of it (`splitBalanceProofs`, `splitOrderProofs`).
 */
export type ProofAnswer =
  /** A response body, or one value's part of it, parsed here with the schema of `shared/api`. */
  | { readonly replicaId: string; readonly kind: 'answer'; readonly body: unknown }
  /** No usable answer: unreachable, timed out, 503 `proof_unavailable`, any other error. */
  | { readonly replicaId: string; readonly kind: 'unavailable'; readonly message: string }
  /** An answer whose list of values is not to be trusted: a key missing, repeated or extra. */
  | { readonly replicaId: string; readonly kind: 'invalid'; readonly message: string }

/** Why a replica's state proof was not taken. */
export type ProofRefusal =
  /** Its value is not the one its proof ties to the quorum's root: the replica lied. */
  | 'false_value'
  /** A proof at another index than the quorum root's (the replica has hashed a newer state). */
  | 'other_index'
  /** No proof served. */
  | 'unavailable'
  /** An answer about another replica, address, token or order, or malformed. */
  | 'invalid_answer'

/** A refused proof: why, and for `false_value` the proof check's own reason. */
interface Refused<refusal extends string> {
  readonly ok: false
  readonly refusal: refusal
  readonly detail: string
  readonly reason?: StateProofRejectReason
}

export type BalanceProofJudgement =
  | { readonly ok: true; readonly available: bigint; readonly locked: bigint }
  | (Refused<ProofRefusal> & {
      /** The amounts the replica claimed, when it sent any. */
      readonly claimed?: { readonly available: bigint; readonly locked: bigint }
    })

/** The root a quorum signed: its index and state hash. */
interface QuorumRootHash {
  readonly index: number
  readonly stateHash: string
}

export interface JudgeBalanceProofParameters {
  readonly address: string
  readonly token: string
  readonly root: QuorumRootHash
  readonly answer: ProofAnswer
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
  | Refused<ProofRefusal>

const invalid = (detail: string) => ({
  ok: false as const,
  refusal: 'invalid_answer' as const,
  detail,
})

/**
 * Reads a balance answer: the amounts, index and proof it claims for `address` and `token`, or
 * why it is no such answer (unavailable, malformed, about another replica, address or token).
 * What a page shows, marked unverified, when there is no quorum root to check it against.
 */
export function readBalanceClaim(
  address: string,
  token: string,
  answer: ProofAnswer,
): BalanceClaim {
  const read = readServed(answer, balanceProofSchema, 'balance')
  if (!read.ok) return read
  const { served } = read
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
  if (claim.index !== root.index) return { ...otherIndex(claim.index, root), claimed }
  const lie = falseValue(balanceLeaf(address, token, claimed), claim.proof, root, 'a balance')
  return lie === undefined ? { ok: true, ...claimed } : { ...lie, claimed }
}

export type OrderProofJudgement =
  /** The order is open at the root with this leaf (`orderLeaf`). */
  | { readonly ok: true; readonly value: string }
  /** `not_open`: the proven leaf is absent or names another owner. */
  | Refused<ProofRefusal | 'not_open'>

export interface JudgeOrderProofParameters {
  readonly orderId: string
  /** The address the order must belong to. */
  readonly owner: string
  readonly root: QuorumRootHash
  readonly answer: ProofAnswer
}

/**
 * Checks one replica's order answer against the root a quorum signed, like a balance: its proof
 * must lead from the order's leaf (the value it serves, or none) to the quorum's state hash, and
 * the proven leaf must be an open order of `owner`. Pure and never throws.
 */
export function judgeOrderProof(parameters: JudgeOrderProofParameters): OrderProofJudgement {
  const { orderId, root, answer } = parameters
  const read = readServed(answer, orderProofSchema, 'order')
  if (!read.ok) return read
  const { served } = read
  if (served.orderId !== orderId) return invalid('other order')
  if (served.index !== root.index) return otherIndex(served.index, root)
  const [key] = orderLeaf(orderId, undefined, undefined)
  const value = served.value ?? undefined
  const lie = falseValue([key, value], served.proof, root, 'an order')
  if (lie !== undefined) return lie
  // The leaf's fields: market side priceTicks owner … (`orderLeaf`).
  if (value === undefined || value.split(' ')[3] !== parameters.owner.toLowerCase()) {
    return { ok: false, refusal: 'not_open', detail: 'not an open order of this address' }
  }
  return { ok: true, value }
}

/** The parsed body, when it is an answer (of the kind `schema` parses) of the replica asked. */
function readServed<served extends { readonly replicaId: string }>(
  answer: ProofAnswer,
  schema: z.ZodType<served>,
  what: string,
): { readonly ok: true; readonly served: served } | Refused<ProofRefusal> {
  if (answer.kind === 'unavailable') {
    return { ok: false, refusal: 'unavailable', detail: answer.message }
  }
  if (answer.kind === 'invalid') return invalid(answer.message)
  const parsed = schema.safeParse(answer.body)
  if (!parsed.success) return invalid(`malformed ${what} proof`)
  if (parsed.data.replicaId !== answer.replicaId) return invalid('other replica id')
  return { ok: true, served: parsed.data }
}

/**
 * Undefined when `proof` leads from `leaf`, as rebuilt by the caller, to the root's state hash;
 * otherwise the refusal that names the replica's `what` (a balance, an order) a lie.
 */
function falseValue(
  leaf: StateLeaf,
  proof: string,
  root: QuorumRootHash,
  what: string,
): Refused<'false_value'> | undefined {
  const [key, value] = leaf
  const checked = verifyExchangeStateProof({ key, value, proof, stateHash: root.stateHash })
  if (checked.ok) return undefined
  const detail = `served ${what} its proof does not tie to the quorum root (${checked.reason})`
  return { ok: false, refusal: 'false_value', detail, reason: checked.reason }
}

function otherIndex(index: number, root: QuorumRootHash) {
  const detail = `proof at index ${index}, not the quorum root's ${root.index}`
  return { ok: false as const, refusal: 'other_index' as const, detail }
}
