import { hexToBytes, type Hex } from 'viem'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import type { BlsVerifier } from '../../../shared/attest/blsVerifier.ts'
import {
  registryHashOf,
  rootAttestationDigest,
  signedRootSchema,
  type HashedRegistry,
  type SignedRoot,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/rootAttestation.ts'
import {
  groupRootAnswers,
  verifyRootQuorum,
  type RootStatement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/verifyRootQuorum.ts'

/** A replica's answer to `GET /root?index`, as the transport saw it. */
export type ReplicaRootAnswer =
  /** A response body, parsed here with `signedRootSchema` of `shared/attest`. */
  | { readonly replicaId: string; readonly kind: 'answer'; readonly body: unknown }
  /** 404 `root_not_kept`: the replica has not signed that index (yet), or no longer keeps it. */
  | { readonly replicaId: string; readonly kind: 'behind'; readonly message: string }
  | { readonly replicaId: string; readonly kind: 'unreachable'; readonly message: string }

/** How one replica's root attestation was judged. */
export type ReplicaRootStatus =
  /** Its attestation is in the quorum aggregate (or, below the quorum, verifies on its own). */
  | 'signed'
  /** It has no root attestation of the index. */
  | 'behind'
  /** No answer (connection refused, timeout, 5xx). */
  | 'unreachable'
  /** A valid signature over another root of the same index than the quorum's. */
  | 'disagrees'
  /** A signature that does not verify under the registry key. */
  | 'bad_signature'
  /** An attestation of another app, network, registry, replica or index, or malformed. */
  | 'invalid_answer'

/** One replica's line under the badge. */
export interface ReplicaRootLine {
  readonly replicaId: string
  readonly status: ReplicaRootStatus
  /** A short human reason for anything but `signed`. */
  readonly detail?: string
}

export interface JudgeRootAnswersParameters {
  /** The trust root, from the app's own `/registry.json`, never from a replica's answer. */
  readonly registry: HashedRegistry
  /** The index every replica was asked to attest at. */
  readonly index: number
  readonly answers: readonly ReplicaRootAnswer[]
  readonly bls: BlsVerifier
}

export interface RootJudgement {
  /** True only when `verifyRootQuorum` accepted a quorum of agreeing attestations. */
  readonly verified: boolean
  /** Replicas whose attestation is in the verified aggregate (0 unless verified). */
  readonly k: number
  /** Distinct replicas in the registry. */
  readonly n: number
  readonly quorum: number
  readonly index: number
  /** The quorum's root (state hash, chaining hash, time) when verified. */
  readonly root?: RootStatement
  /** The replicas in the verified aggregate, in registry order; empty unless verified. */
  readonly signers: readonly string[]
  readonly aggregate: 'valid' | 'invalid' | 'not_checked'
  /** One line per distinct registry replica, in registry order. */
  readonly replicas: readonly ReplicaRootLine[]
}

interface Candidate {
  readonly replicaId: string
  readonly body: unknown
  readonly signed: SignedRoot
}

/**
 * Decides whether the replicas' root attestations of `index` prove one state root: each answer
 * is checked against the registry (app, network, registry hash, the replica asked, the index),
 * the largest group naming the same root goes to `verifyRootQuorum` of `shared/attest` (one
 * aggregate verification), and each replica is given a line saying whether it is in that
 * aggregate, and if not why: a replica whose valid signature names another root is named as
 * disagreeing. Single signatures are checked only off the happy path (to name a bad signature
 * inside a failed aggregate, or to judge a replica outside the quorum), so a quorum of agreeing
 * replicas costs one aggregate verification. Pure apart from the injected BLS calls; never
 * throws on hostile answers.
 *
 * @example
 * const judged = judgeRootAnswers({ registry, index, answers, bls })
 * if (judged.verified) checkProofsAgainst(judged.root.stateHash)
 */
export function judgeRootAnswers(parameters: JudgeRootAnswersParameters): RootJudgement {
  const { registry, index, bls } = parameters
  const lines = new Map<string, ReplicaRootLine>()
  const replicas = distinctMembers(registry.replicas)
  let registryHash: Hex | undefined
  try {
    registryHash = registryHashOf(registry)
  } catch {
    registryHash = undefined
  }
  const candidates: Candidate[] = []
  for (const replica of replicas) {
    const answer = parameters.answers.find((candidate) => candidate.replicaId === replica.id)
    const judged = judgeAnswer(registry, registryHash, index, replica.id, answer)
    if ('candidate' in judged) candidates.push(judged.candidate)
    else lines.set(replica.id, judged.line)
  }
  const keyOf = new Map(replicas.map((replica) => [replica.id, replica.blsPublicKey]))
  const verifiedAlone = new Map<Candidate, boolean>()
  const verifyAlone = (candidate: Candidate): boolean => {
    let ok = verifiedAlone.get(candidate)
    if (ok === undefined) {
      ok = verifySingle(bls, keyOf.get(candidate.replicaId)!, candidate.signed)
      verifiedAlone.set(candidate, ok)
    }
    return ok
  }

  let pool = candidates
  let aggregate: RootJudgement['aggregate'] = 'not_checked'
  let accepted: { root: RootStatement; signers: readonly string[] } | undefined
  // Each failed aggregate removes at least one bad signature, so this ends within n rounds.
  for (let round = 0; round <= replicas.length && accepted === undefined; round++) {
    const group = largestGroup(pool, index)
    if (group.length === 0 || group.length < registry.quorum) break
    const result = verifyRootQuorum({
      registry,
      index,
      attestations: group.map((candidate) => candidate.body),
      bls,
    })
    if (result.ok) {
      aggregate = 'valid'
      accepted = result
      break
    }
    aggregate = 'invalid'
    const bad = group.filter((candidate) => !verifyAlone(candidate))
    if (bad.length === 0) break // refused for a reason single checks cannot name
    pool = pool.filter((candidate) => !bad.includes(candidate))
  }

  const quorumRoot = accepted?.root
  for (const candidate of candidates) {
    const { replicaId } = candidate
    if (accepted?.signers.includes(replicaId)) {
      lines.set(replicaId, { replicaId, status: 'signed' })
    } else if (!verifyAlone(candidate)) {
      const detail = 'signature does not verify under the registry key'
      lines.set(replicaId, { replicaId, status: 'bad_signature', detail })
    } else if (quorumRoot !== undefined) {
      const { stateHash } = candidate.signed.attestation
      const detail = `signed root ${stateHash.slice(0, 10)}…, not the quorum's ${quorumRoot.stateHash.slice(0, 10)}…`
      lines.set(replicaId, { replicaId, status: 'disagrees', detail })
    } else {
      lines.set(replicaId, { replicaId, status: 'signed', detail: 'below the quorum' })
    }
  }
  const verified = accepted !== undefined
  const signers = accepted?.signers ?? []
  return {
    verified,
    k: signers.length,
    n: replicas.length,
    quorum: registry.quorum,
    index,
    ...(quorumRoot === undefined ? {} : { root: quorumRoot }),
    signers: replicas.map((replica) => replica.id).filter((id) => signers.includes(id)),
    aggregate,
    replicas: replicas.map((replica) => lines.get(replica.id)!),
  }
}

/** The registry with each replica id once (its first entry), so no id votes twice. */
function distinctMembers<member extends { readonly id: string }>(
  replicas: readonly member[],
): member[] {
  const seen = new Set<string>()
  return replicas.filter((replica) => !seen.has(replica.id) && seen.add(replica.id))
}

/** The candidates naming the root most of them name (`groupRootAnswers`). */
function largestGroup(pool: readonly Candidate[], index: number): Candidate[] {
  const [largest = []] = groupRootAnswers(
    pool.map((candidate) => candidate.body),
    index,
  )
  return pool.filter((candidate) => largest.includes(candidate.body))
}

function verifySingle(bls: BlsVerifier, publicKey: string, signed: SignedRoot): boolean {
  if (!/^0x(?:[0-9a-fA-F]{2})+$/.test(publicKey)) return false
  return bls.verify(
    hexToBytes(publicKey as Hex),
    hexToBytes(rootAttestationDigest(signed.attestation)),
    hexToBytes(signed.signature as Hex),
  )
}

type Judged = { candidate: Candidate } | { line: ReplicaRootLine }

function judgeAnswer(
  registry: HashedRegistry,
  registryHash: Hex | undefined,
  index: number,
  replicaId: string,
  answer: ReplicaRootAnswer | undefined,
): Judged {
  const refuse = (status: ReplicaRootStatus, detail: string): Judged => ({
    line: { replicaId, status, detail },
  })
  if (answer === undefined) return refuse('unreachable', 'not asked')
  if (answer.kind !== 'answer') return refuse(answer.kind, answer.message)
  const parsed = signedRootSchema.safeParse(answer.body)
  if (!parsed.success) return refuse('invalid_answer', 'malformed root attestation')
  const { attestation } = parsed.data
  if (attestation.replicaId !== replicaId) return refuse('invalid_answer', 'other replica id')
  if (attestation.app !== registry.app) return refuse('invalid_answer', 'other app')
  if (attestation.network !== registry.network) return refuse('invalid_answer', 'other network')
  if (attestation.registryHash !== registryHash) {
    return refuse('invalid_answer', 'signed under another replica registry')
  }
  if (attestation.index < index) {
    return refuse('behind', `signed index ${attestation.index}, not ${index}`)
  }
  if (attestation.index !== index) return refuse('invalid_answer', 'other index')
  return { candidate: { replicaId, body: answer.body, signed: parsed.data } }
}
