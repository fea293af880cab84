import {
  judgeRootAnswers,
  type JudgeRootAnswersParameters,
  type ReplicaRootLine,
  type RootJudgement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/judgeRootAnswers.ts'
import {
  judgeBalanceProof,
  readBalanceClaim,
  type ProofAnswer,
  type ProofRefusal,
} from '../../../shared/exchange/index.ts'

export interface VerifyBalancesAtRootParameters extends JudgeRootAnswersParameters {
  readonly address: string
  readonly tokens: readonly string[]
  /** Per token, the balance proofs asked for so far, in the order the replicas were asked. */
  readonly proofs: Readonly<Record<string, readonly ProofAnswer[]>>
}

/** One replica's line under a balance's badge: its root, and its proof of this balance. */
export interface ProvenBalanceLine extends ReplicaRootLine {
  /** How its balance proof was judged, when it was asked for one. */
  readonly proof?: 'verified' | ProofRefusal
  readonly proofDetail?: string
}

/** One token's balance of the address, proven (or not) against the quorum root. */
export interface ProvenBalance {
  /** True only when the root is quorum-verified and a proof ties the amounts to it. */
  readonly verified: boolean
  /** Replicas whose root attestation is in the quorum aggregate (0 unless verified). */
  readonly k: number
  readonly n: number
  readonly quorum: number
  readonly index: number
  /** The proven amounts when verified; otherwise the first amounts a replica claimed, if any. */
  readonly available?: bigint
  readonly locked?: bigint
  readonly aggregate: RootJudgement['aggregate']
  /** The replica whose proof verified. */
  readonly servedBy?: string
  /** Replicas that served a balance their proof does not tie to the quorum root. */
  readonly falseValues: readonly string[]
  /** One line per distinct registry replica, in registry order. */
  readonly replicas: readonly ProvenBalanceLine[]
}

export interface VerifyBalancesAtRootReturnType {
  readonly root: RootJudgement
  readonly byToken: Readonly<Record<string, ProvenBalance>>
}

/**
 * An address's balances at one index, from one root aggregate: the replicas' root attestations
 * of the index are judged once (`judgeRootAnswers`, one aggregate BLS verification), then each
 * token's proofs are taken in the order they were asked for, and the first that ties its
 * amounts to the quorum root (`judgeBalanceProof`) proves the balance. A replica whose proof
 * does not is named in `falseValues`; the caller asks another replica and calls again (a
 * verifier with a cache answers the same aggregate from it). Pure apart from the injected BLS
 * calls; never throws on hostile answers.
 */
export function verifyBalancesAtRoot(
  parameters: VerifyBalancesAtRootParameters,
): VerifyBalancesAtRootReturnType {
  const root = judgeRootAnswers(parameters)
  const byToken: Record<string, ProvenBalance> = {}
  for (const token of parameters.tokens) {
    byToken[token] = proveBalance(parameters, root, token)
  }
  return { root, byToken }
}

function proveBalance(
  parameters: VerifyBalancesAtRootParameters,
  root: RootJudgement,
  token: string,
): ProvenBalance {
  const proofLines = new Map<string, Pick<ProvenBalanceLine, 'proof' | 'proofDetail'>>()
  const falseValues: string[] = []
  let proven: { available: bigint; locked: bigint; servedBy: string } | undefined
  let claimed: { available: bigint; locked: bigint } | undefined
  for (const answer of parameters.proofs[token] ?? []) {
    if (proven !== undefined) break
    const { replicaId } = answer
    if (root.root === undefined) {
      // No quorum root to check against: the first claim is shown, marked unverified.
      const claim = readBalanceClaim(parameters.address, token, answer)
      if (claim.ok) claimed ??= { available: claim.available, locked: claim.locked }
      continue
    }
    const judged = judgeBalanceProof({
      address: parameters.address,
      token,
      root: { index: root.index, stateHash: root.root.stateHash },
      answer,
    })
    if (judged.ok) {
      proven = { available: judged.available, locked: judged.locked, servedBy: replicaId }
      proofLines.set(replicaId, { proof: 'verified' })
      continue
    }
    proofLines.set(replicaId, { proof: judged.refusal, proofDetail: judged.detail })
    if (judged.refusal === 'false_value') falseValues.push(replicaId)
  }
  const verified = proven !== undefined
  const amounts = proven ?? claimed
  return {
    verified,
    k: verified ? root.k : 0,
    n: root.n,
    quorum: root.quorum,
    index: root.index,
    ...(amounts === undefined ? {} : { available: amounts.available, locked: amounts.locked }),
    aggregate: root.aggregate,
    ...(proven === undefined ? {} : { servedBy: proven.servedBy }),
    falseValues,
    replicas: root.replicas.map((line) => ({ ...line, ...proofLines.get(line.replicaId) })),
  }
}

/**
 * Whether asking another replica for `token`'s proof could still prove it: the root is verified
 * and no proof tied yet. Returns the replicas not yet asked, signers of the root first.
 */
export function replicasToAskNext(
  result: VerifyBalancesAtRootReturnType,
  token: string,
  asked: readonly string[],
  reachable: readonly string[],
): string[] {
  const proven = result.byToken[token]
  if (!result.root.verified || proven === undefined || proven.verified) return []
  const order = [...result.root.signers, ...reachable]
  return [...new Set(order)].filter((replicaId) => !asked.includes(replicaId))
}

/**
 * Whether a check failed for a passing reason, so that the same check from fresh statuses may
 * succeed: a quorum of replicas answered but not with one verified root of the index (one had not
 * signed it yet), or a balance's every proof was of another index (the replicas asked had moved
 * past the root's index before serving it). Not when too few replicas answer, or one lied.
 */
export function worthCheckingAgain(result: {
  readonly root: RootJudgement | undefined
  readonly byToken: Readonly<Record<string, ProvenBalance>>
}): boolean {
  const { root } = result
  if (root === undefined) return false
  if (!root.verified) {
    const answered = root.replicas.filter((line) => line.status !== 'unreachable')
    return answered.length >= root.quorum
  }
  return Object.values(result.byToken).some(
    (balance) =>
      !balance.verified &&
      balance.replicas.every((line) => line.proof === undefined || line.proof === 'other_index') &&
      balance.replicas.some((line) => line.proof === 'other_index'),
  )
}
