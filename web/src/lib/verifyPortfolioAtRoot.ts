import {
  judgeRootAnswers,
  type JudgeRootAnswersParameters,
  type ReplicaRootLine,
  type RootJudgement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/judgeRootAnswers.ts'
import {
  judgeBalanceProof,
  judgeOrderProof,
  readBalanceClaim,
  type ProofAnswer,
  type ProofRefusal,
} from '../../../shared/exchange/index.ts'

export interface VerifyPortfolioAtRootParameters extends JudgeRootAnswersParameters {
  readonly address: string
  readonly tokens: readonly string[]
  /** Per token, the balance proofs asked for so far, in the order the replicas were asked. */
  readonly proofs: Readonly<Record<string, readonly ProofAnswer[]>>
  /** The address's open orders as a replica listed them (the list itself is not proven). */
  readonly orderIds: readonly string[]
  /** Per order id, the order proofs asked for so far, in the order the replicas were asked. */
  readonly orderProofs: Readonly<Record<string, readonly ProofAnswer[]>>
}

/** One replica's line under a badge: its root, and its proof of this balance or order. */
export interface ProvenLine extends ReplicaRootLine {
  /** How its proof was judged, when it was asked for one. */
  readonly proof?: 'verified' | ProofRefusal | 'not_open'
  readonly proofDetail?: string
}

/** What a balance's and an order's verdict share: the root, its signers and every proof. */
export interface ProvenAtRoot {
  /** True only when the root is quorum-verified and a proof ties the value to it. */
  readonly verified: boolean
  /** Replicas whose root attestation is in the quorum aggregate (0 unless verified). */
  readonly k: number
  readonly n: number
  readonly quorum: number
  readonly index: number
  readonly aggregate: RootJudgement['aggregate']
  /** The replica whose proof verified. */
  readonly servedBy?: string
  /** Its proof (`0x` hex of `encodeStateProof`), for the badge's details. */
  readonly proof?: string
  /** Replicas that served a value their proof does not tie to the quorum root. */
  readonly falseValues: readonly string[]
  /** One line per distinct registry replica, in registry order. */
  readonly replicas: readonly ProvenLine[]
}

/** One token's balance of the address, proven (or not) against the quorum root. */
export interface ProvenBalance extends ProvenAtRoot {
  /** The proven amounts when verified; otherwise the first amounts a replica claimed, if any. */
  readonly available?: bigint
  readonly locked?: bigint
}

/** One listed order of the address, proven open (or not) against the quorum root. */
export interface ProvenOrder extends ProvenAtRoot {
  /** The proven open order's state leaf (`market side priceTicks owner …`) when verified. */
  readonly value?: string
  /**
   * A proof tied to the quorum root shows no open order of the address under this id there:
   * placed after the root, closed at it, or another owner's. Settled; no one else is asked.
   */
  readonly notOpen: boolean
}

export interface VerifyPortfolioAtRootReturnType {
  readonly root: RootJudgement
  readonly byToken: Readonly<Record<string, ProvenBalance>>
  readonly byOrder: Readonly<Record<string, ProvenOrder>>
}

/**
 * An address's balances and open orders at one index, from one root aggregate: the replicas'
 * root attestations of the index are judged once (`judgeRootAnswers`, one aggregate BLS
 * verification), then each value's proofs are taken in the order they were asked for, and the
 * first that ties the value to the quorum root (`judgeBalanceProof`, `judgeOrderProof`) proves
 * it. A replica whose proof does not is named in `falseValues`; the caller asks another replica
 * and calls again (a verifier with a cache answers the same aggregate from it). Pure apart from
 * the injected BLS calls; never throws on hostile answers.
 */
export function verifyPortfolioAtRoot(
  parameters: VerifyPortfolioAtRootParameters,
): VerifyPortfolioAtRootReturnType {
  const root = judgeRootAnswers(parameters)
  const byToken: Record<string, ProvenBalance> = {}
  for (const token of parameters.tokens) {
    byToken[token] = proveBalance(parameters, root, token)
  }
  const byOrder: Record<string, ProvenOrder> = {}
  for (const orderId of parameters.orderIds) {
    byOrder[orderId] = proveOrder(parameters, root, orderId)
  }
  return { root, byToken, byOrder }
}

/** A judge's verdict on one answer, in the shape `judgeInTurn` takes. */
type Verdict<value> =
  | { readonly ok: true; readonly value: value }
  | { readonly ok: false; readonly refusal: ProofRefusal | 'not_open'; readonly detail: string }

/** The root a quorum signed, as the proof judges take it. */
interface QuorumRootHash {
  readonly index: number
  readonly stateHash: string
}

/**
 * Judges `answers` in turn against the quorum root until one proves the value, or one settles
 * that there is none (`not_open`: a proof tied to the root of no open order), naming every
 * `false_value`. Without a quorum root nothing is judged and nothing is verified.
 */
function judgeInTurn<value>(
  root: RootJudgement,
  answers: readonly ProofAnswer[],
  judge: (answer: ProofAnswer, quorumRoot: QuorumRootHash) => Verdict<value>,
) {
  const lines = new Map<string, Pick<ProvenLine, 'proof' | 'proofDetail'>>()
  const falseValues: string[] = []
  let proven: { value: value; servedBy: string; proof: string | undefined } | undefined
  let settled = false
  const quorumRoot = root.root && { index: root.index, stateHash: root.root.stateHash }
  for (const answer of answers) {
    if (quorumRoot === undefined || proven !== undefined || settled) break
    const judged = judge(answer, quorumRoot)
    if (judged.ok) {
      proven = { value: judged.value, servedBy: answer.replicaId, proof: proofOf(answer) }
      lines.set(answer.replicaId, { proof: 'verified' })
    } else {
      lines.set(answer.replicaId, { proof: judged.refusal, proofDetail: judged.detail })
      if (judged.refusal === 'false_value') falseValues.push(answer.replicaId)
      settled = judged.refusal === 'not_open'
    }
  }
  const verified = proven !== undefined
  const shared: ProvenAtRoot = {
    verified,
    k: verified ? root.k : 0,
    n: root.n,
    quorum: root.quorum,
    index: root.index,
    aggregate: root.aggregate,
    ...(proven === undefined ? {} : { servedBy: proven.servedBy }),
    ...(proven?.proof === undefined ? {} : { proof: proven.proof }),
    falseValues,
    replicas: root.replicas.map((line) => ({ ...line, ...lines.get(line.replicaId) })),
  }
  return { proven, settled, shared }
}

/** The proof hex of an answer a judge took (its schema checked the field). */
function proofOf(answer: ProofAnswer): string | undefined {
  if (answer.kind !== 'answer' || typeof answer.body !== 'object' || answer.body === null) {
    return undefined
  }
  const { proof } = answer.body as { proof?: unknown }
  return typeof proof === 'string' ? proof : undefined
}

function proveBalance(
  parameters: VerifyPortfolioAtRootParameters,
  root: RootJudgement,
  token: string,
): ProvenBalance {
  const { address } = parameters
  const answers = parameters.proofs[token] ?? []
  const { proven, shared } = judgeInTurn(root, answers, (answer, quorumRoot) => {
    const judged = judgeBalanceProof({ address, token, root: quorumRoot, answer })
    return judged.ok ? { ok: true, value: judged } : judged
  })
  if (proven !== undefined) {
    return { ...shared, available: proven.value.available, locked: proven.value.locked }
  }
  if (root.root !== undefined) return shared
  // No quorum root to check against: the first claim is shown, marked unverified.
  const claim = answers
    .map((answer) => readBalanceClaim(address, token, answer))
    .find((read) => read.ok)
  return claim === undefined
    ? shared
    : { ...shared, available: claim.available, locked: claim.locked }
}

function proveOrder(
  parameters: VerifyPortfolioAtRootParameters,
  root: RootJudgement,
  orderId: string,
): ProvenOrder {
  const owner = parameters.address
  const answers = parameters.orderProofs[orderId] ?? []
  const { proven, settled, shared } = judgeInTurn(root, answers, (answer, quorumRoot) =>
    judgeOrderProof({ orderId, owner, root: quorumRoot, answer }),
  )
  return { ...shared, ...(proven === undefined ? {} : { value: proven.value }), notOpen: settled }
}

/**
 * Whether asking another replica for a value's proof could still prove it: the root is verified
 * and no proof settled it yet. Returns the replicas not yet asked, signers of the root first.
 */
export function replicasToAskNext(
  root: RootJudgement,
  proven: ProvenBalance | ProvenOrder | undefined,
  asked: readonly string[],
  reachable: readonly string[],
): string[] {
  if (!root.verified || proven === undefined || proven.verified) return []
  if ('notOpen' in proven && proven.notOpen) return []
  const order = [...root.signers, ...reachable]
  return [...new Set(order)].filter((replicaId) => !asked.includes(replicaId))
}

/**
 * Whether a check failed for a passing reason, so that the same check from fresh statuses may
 * succeed: a quorum of replicas answered but not with one verified root of the index (one had not
 * signed it yet), or a value's every proof was of another index (the replicas asked had moved
 * past the root's index before serving it). Not when too few replicas answer, or one lied.
 */
export function worthCheckingAgain(result: {
  readonly root: RootJudgement | undefined
  readonly byToken: Readonly<Record<string, ProvenBalance>>
  readonly byOrder: Readonly<Record<string, ProvenOrder>>
}): boolean {
  const { root } = result
  if (root === undefined) return false
  if (!root.verified) {
    const answered = root.replicas.filter((line) => line.status !== 'unreachable')
    return answered.length >= root.quorum
  }
  return [...Object.values(result.byToken), ...Object.values(result.byOrder)].some(
    (proven) =>
      !proven.verified &&
      proven.replicas.every((line) => line.proof === undefined || line.proof === 'other_index') &&
      proven.replicas.some((line) => line.proof === 'other_index'),
  )
}
