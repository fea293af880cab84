import { hexToBytes, type Hex } from 'viem'
import type { BlsVerifier } from './blsVerifier.ts'
import type { ReplicaAttestationStatus } from './replicaAttestationStatus.ts'
import { unprovenMember } from './proofOfPossession.ts'
import {
  rootAttestationDigest,
  signedRootSchema,
  type HashedRegistry,
  type RegistryMember,
  type RootStatement,
  type SignedRoot,
} from './rootAttestation.ts'
import { trustedRegistry, type TrustedRegistry } from './trustedRegistry.ts'
import { groupRootAnswers, verifyRootQuorum } from './verifyRootQuorum.ts'

/** A replica's answer to `GET /root?index`, as the transport saw it. */
export type ReplicaRootAnswer =
  /** A response body, parsed here with `signedRootSchema` of `shared/attest`. */
  | { readonly replicaId: string; readonly kind: 'answer'; readonly body: unknown }
  /** 404 `root_not_kept`: the replica has not signed that index (yet), or no longer keeps it. */
  | { readonly replicaId: string; readonly kind: 'behind'; readonly message: string }
  | { readonly replicaId: string; readonly kind: 'unreachable'; readonly message: string }

/** One replica's line under the badge. */
export interface ReplicaRootLine {
  readonly replicaId: string
  readonly status: ReplicaAttestationStatus
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
  /** Their signed attestations, in the same order (what `certifyRoot` adds up). */
  readonly agreeing: readonly SignedRoot[]
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
  const trusted = trustedRegistry(registry)
  const candidates: Candidate[] = []
  for (const replica of replicas) {
    const answer = parameters.answers.find((candidate) => candidate.replicaId === replica.id)
    const judged = judgeAnswer(trusted, index, replica.id, answer)
    if ('candidate' in judged) candidates.push(judged.candidate)
    else lines.set(replica.id, judged.line)
  }
  const judgedAlone = new Map<Candidate, string | undefined>()
  const refusalAlone = (candidate: Candidate): string | undefined => {
    if (!judgedAlone.has(candidate)) {
      // A candidate passed `judgeAnswer`, so the registry was trusted and lists its replica.
      const member = trusted!.memberOf(candidate.replicaId)!
      judgedAlone.set(candidate, refuseAlone(bls, member, candidate.signed))
    }
    return judgedAlone.get(candidate)
  }
  const verifyAlone = (candidate: Candidate) => refusalAlone(candidate) === undefined
  const search = { ...parameters, candidates, rounds: replicas.length, verifyAlone }
  const { aggregate, accepted } = findQuorum(search)
  const quorumRoot = accepted?.root
  for (const candidate of candidates) {
    const { replicaId } = candidate
    if (accepted?.signers.includes(replicaId)) {
      lines.set(replicaId, { replicaId, status: 'signed' })
    } else {
      lines.set(replicaId, outsideLine(candidate, refusalAlone(candidate), quorumRoot))
    }
  }
  const signers = accepted?.signers ?? []
  const agreeing = replicas.flatMap((replica) => {
    const candidate = candidates.find((one) => one.replicaId === replica.id)
    return candidate !== undefined && signers.includes(replica.id) ? [candidate.signed] : []
  })
  return {
    verified: accepted !== undefined,
    k: signers.length,
    n: replicas.length,
    quorum: registry.quorum,
    index,
    ...(quorumRoot === undefined ? {} : { root: quorumRoot }),
    signers: agreeing.map((signed) => signed.attestation.replicaId),
    agreeing,
    aggregate,
    replicas: replicas.map((replica) => lines.get(replica.id)!),
  }
}

interface QuorumSearch {
  readonly registry: HashedRegistry
  readonly index: number
  readonly bls: BlsVerifier
  readonly candidates: readonly Candidate[]
  /** At most this many failed aggregates (the distinct registry replicas). */
  readonly rounds: number
  readonly verifyAlone: (candidate: Candidate) => boolean
}

/**
 * The largest group of candidates naming one root goes to `verifyRootQuorum`; when its
 * aggregate fails, the candidates whose own signature does not verify leave the pool and the
 * search goes on. Each failed aggregate removes at least one bad signature, so this ends within
 * `rounds` rounds.
 */
function findQuorum(search: QuorumSearch): {
  aggregate: RootJudgement['aggregate']
  accepted?: { root: RootStatement; signers: readonly string[] }
} {
  const { registry, index, bls } = search
  let pool = search.candidates
  let aggregate: RootJudgement['aggregate'] = 'not_checked'
  for (let round = 0; round <= search.rounds; round++) {
    const group = largestGroup(pool, index)
    if (group.length === 0 || group.length < registry.quorum) break
    const attestations = group.map((candidate) => candidate.body)
    const result = verifyRootQuorum({ registry, index, attestations, bls })
    if (result.ok) return { aggregate: 'valid', accepted: result }
    aggregate = 'invalid'
    const bad = group.filter((candidate) => !search.verifyAlone(candidate))
    if (bad.length === 0) break // refused for a reason single checks cannot name
    pool = pool.filter((candidate) => !bad.includes(candidate))
  }
  return { aggregate }
}

/** The line of a well-formed answer outside the verified aggregate (or of no aggregate). */
function outsideLine(
  candidate: Candidate,
  refusal: string | undefined,
  quorumRoot: RootStatement | undefined,
): ReplicaRootLine {
  const { replicaId } = candidate
  if (refusal !== undefined) return { replicaId, status: 'bad_signature', detail: refusal }
  if (quorumRoot === undefined) return { replicaId, status: 'signed', detail: 'below the quorum' }
  const signed = candidate.signed.attestation.stateHash.slice(0, 10)
  const detail = `signed root ${signed}…, not the quorum's ${quorumRoot.stateHash.slice(0, 10)}…`
  return { replicaId, status: 'disagrees', detail }
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

/**
 * Why a candidate's attestation does not count on its own, or undefined when it does: its
 * signature verifies under its registry key, and that key's proof of possession verifies.
 */
function refuseAlone(
  bls: BlsVerifier,
  member: RegistryMember,
  signed: SignedRoot,
): string | undefined {
  if (unprovenMember([member], bls) !== undefined) {
    return 'its registry key has no valid proof of possession'
  }
  const verifies = bls.verify(
    hexToBytes(member.blsPublicKey as Hex),
    hexToBytes(rootAttestationDigest(signed.attestation)),
    hexToBytes(signed.signature as Hex),
  )
  return verifies ? undefined : 'signature does not verify under the registry key'
}

type Judged = { candidate: Candidate } | { line: ReplicaRootLine }

function judgeAnswer(
  trusted: TrustedRegistry | undefined,
  index: number,
  replicaId: string,
  answer: ReplicaRootAnswer | undefined,
): Judged {
  const refuse = (status: ReplicaAttestationStatus, detail: string): Judged => ({
    line: { replicaId, status, detail },
  })
  if (answer === undefined) return refuse('unreachable', 'not asked')
  if (answer.kind !== 'answer') return refuse(answer.kind, answer.message)
  const parsed = signedRootSchema.safeParse(answer.body)
  if (!parsed.success) return refuse('invalid_answer', 'malformed root attestation')
  const { attestation } = parsed.data
  if (attestation.replicaId !== replicaId) return refuse('invalid_answer', 'other replica id')
  if (trusted === undefined) return refuse('invalid_answer', 'the registry cannot be hashed')
  const outOfDomain = trusted.outOfDomain(attestation)
  if (outOfDomain !== undefined) return refuse('invalid_answer', outOfDomain)
  if (attestation.index < index) {
    return refuse('behind', `signed index ${attestation.index}, not ${index}`)
  }
  if (attestation.index !== index) return refuse('invalid_answer', 'other index')
  return { candidate: { replicaId, body: answer.body, signed: parsed.data } }
}
