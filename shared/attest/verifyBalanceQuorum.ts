import { hexToBytes, type Hex } from 'viem'
import { signedBalanceSchema } from '../api/index.ts'
import { balanceAttestationDigest, type BalanceStatement } from './balanceAttestation.ts'
import type { BlsVerifier } from './blsVerifier.ts'
import type { ReplicaAttestationStatus } from './replicaAttestationStatus.ts'

/** A replica's answer to `GET /balance?address&token&index`, as the transport saw it. */
export type ReplicaBalanceAnswer =
  /** A response body, parsed here with `signedBalanceSchema` of `shared/api`. */
  | { readonly replicaId: string; readonly kind: 'answer'; readonly body: unknown }
  | { readonly replicaId: string; readonly kind: 'behind'; readonly appliedIndex?: number }
  | { readonly replicaId: string; readonly kind: 'unreachable'; readonly message: string }

/** One replica's line in the proof. */
export interface ReplicaProof {
  readonly replicaId: string
  readonly status: ReplicaAttestationStatus
  /** A short human reason for anything but `signed`. */
  readonly detail?: string
  readonly available?: bigint
  readonly locked?: bigint
}

/** The trust root: app, network, ids with BLS public keys (hex), and the quorum. */
export interface BalanceQuorumRegistry {
  readonly app: string
  readonly network: string
  readonly quorum: number
  readonly replicas: readonly { readonly id: string; readonly blsPublicKey: string }[]
}

export interface VerifyBalanceQuorumParameters {
  /** From the caller's own configuration, never from a replica's answer. */
  readonly registry: BalanceQuorumRegistry
  readonly address: string
  readonly token: string
  /** The common index every replica was asked to attest at. */
  readonly index: number
  readonly answers: readonly ReplicaBalanceAnswer[]
  readonly bls: BlsVerifier
  /** `'aggregate-first'` (default) or `'each'`; see `verifyBalanceQuorum`. */
  readonly mode?: 'aggregate-first' | 'each'
}

export interface VerifyBalanceQuorumReturnType {
  /**
   * True only when at least `quorum` distinct registry replicas signed the same statement and
   * the aggregate of those signatures verifies. Only then may the balance be shown as verified.
   */
  readonly verified: boolean
  /** How many replicas are in the agreeing, verified group (0 unless verified). */
  readonly k: number
  /** Distinct replicas in the registry. */
  readonly n: number
  readonly quorum: number
  readonly index: number
  /** The agreed balance when verified; otherwise the best unverified guess, if any. */
  readonly available?: bigint
  readonly locked?: bigint
  /** Zellular's chaining hash of `index` the agreed balance was signed with ("" at 0). */
  readonly chainingHash?: string
  /** The whole statement behind `available`/`locked`, when there is one. */
  readonly statement?: BalanceStatement
  /** Verification of the aggregate signature of the agreeing group. */
  readonly aggregate: 'valid' | 'invalid' | 'not_checked'
  /** One line per distinct registry replica, in registry order. */
  readonly replicas: readonly ReplicaProof[]
  /** The verified group with each member's signature, in registry order; empty unless verified. */
  readonly signers: readonly { readonly replicaId: string; readonly signature: Uint8Array }[]
}

interface SignedEntry {
  readonly replicaId: string
  readonly publicKey: Uint8Array
  readonly digest: Uint8Array
  readonly signature: Uint8Array
  readonly statement: BalanceStatement
  /** What replicas must agree on: the whole statement, amounts and history alike. */
  readonly statementKey: string
}

/**
 * Decides whether a balance is verified by a quorum of replicas: the one quorum rule of the
 * project, used by the web app's badge, the replicas' `/aggregate_balance` and the benchmarks.
 * Every answer is checked against the registry, not against anything the replica sent: the
 * attestation must name the registry's app and network, the replica that was asked, the address,
 * the token and the common index; the digest is computed here; signatures are checked under the
 * registry key of each replica. Each registry id counts once (its first entry, its first answer),
 * and answers from ids outside the registry are ignored. Answers are grouped by statement (the
 * balance and the history it comes from: genesis hash and chaining hash), and the largest group
 * counts only if it reaches the quorum and the aggregate of its signatures verifies (BLS
 * `verifyMultiple` over each member's own digest).
 *
 * `mode: 'each'` verifies every signature on its own before the aggregate. `'aggregate-first'`
 * checks the aggregate first and falls back to single checks only when it fails (to name the
 * bad replica) or for answers outside the group. Because every key comes from the fixed
 * registry, a valid aggregate proves that each member's key signed its digest unless members
 * pool their secret keys, which gives them nothing they could not sign anyway; it costs one
 * pairing product instead of one per replica. Pure apart from the injected BLS calls; never
 * throws on hostile answers.
 *
 * @example
 * const result = verifyBalanceQuorum({ registry, address, token, index, answers, bls })
 * if (result.verified) show(`verified by ${result.k} of ${result.n}`)
 */
export function verifyBalanceQuorum(
  parameters: VerifyBalanceQuorumParameters,
): VerifyBalanceQuorumReturnType {
  const { registry, bls, index } = parameters
  const mode = parameters.mode ?? 'aggregate-first'
  const proofs = new Map<string, ReplicaProof>()
  const replicas = distinctMembers(registry.replicas)
  let candidates: SignedEntry[] = []
  for (const replica of replicas) {
    const answer = parameters.answers.find((candidate) => candidate.replicaId === replica.id)
    const judged = judgeAnswer(parameters, replica, answer)
    if ('entry' in judged) candidates.push(judged.entry)
    else proofs.set(replica.id, judged.proof)
  }
  const verifyAlone = singleChecker(bls, proofs)
  if (mode === 'each') candidates = candidates.filter(verifyAlone)

  let group = largestGroup(candidates)
  let aggregate = checkGroup(bls, group, registry.quorum)
  if (aggregate === 'invalid' && mode === 'aggregate-first') {
    // Find the bad signatures, then try the aggregate of the good ones.
    candidates = candidates.filter(verifyAlone)
    group = largestGroup(candidates)
    aggregate = checkGroup(bls, group, registry.quorum)
  }
  const verified = aggregate === 'valid'
  for (const entry of candidates) {
    // Outside a verified group a signature counts for nothing until it verifies on its own.
    if (!(verified && group.includes(entry)) && !verifyAlone(entry)) continue
    proofs.set(entry.replicaId, agreementProof(entry, group))
  }
  const best = group[0]?.statement
  return {
    verified,
    k: verified ? group.length : 0,
    n: replicas.length,
    quorum: registry.quorum,
    index,
    ...(best === undefined
      ? {}
      : {
          available: BigInt(best.available),
          locked: BigInt(best.locked),
          chainingHash: best.chainingHash,
          statement: best,
        }),
    aggregate,
    replicas: replicas.map((replica) => proofs.get(replica.id)!),
    signers: verified ? group.map(({ replicaId, signature }) => ({ replicaId, signature })) : [],
  }
}

/**
 * The registry with each replica id once (its first entry), so a registry that lists an id
 * twice cannot count its vote twice. (`replicaRegistrySchema` refuses such a registry; this
 * holds for any registry handed in.)
 */
function distinctMembers<member extends { readonly id: string }>(
  replicas: readonly member[],
): member[] {
  const seen = new Set<string>()
  return replicas.filter((replica) => !seen.has(replica.id) && seen.add(replica.id))
}

/** Checks one signature on its own, once; a failure is recorded as the replica's proof. */
function singleChecker(
  bls: BlsVerifier,
  proofs: Map<string, ReplicaProof>,
): (entry: SignedEntry) => boolean {
  const verifiedAlone = new Set<SignedEntry>()
  return (entry) => {
    if (verifiedAlone.has(entry)) return true
    const ok = bls.verify(entry.publicKey, entry.digest, entry.signature)
    if (ok) verifiedAlone.add(entry)
    else {
      proofs.set(entry.replicaId, {
        replicaId: entry.replicaId,
        status: 'bad_signature',
        detail: 'signature does not verify under the registry key',
      })
    }
    return ok
  }
}

function largestGroup(entries: readonly SignedEntry[]): SignedEntry[] {
  const groups = new Map<string, SignedEntry[]>()
  for (const entry of entries) {
    groups.set(entry.statementKey, [...(groups.get(entry.statementKey) ?? []), entry])
  }
  return [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? []
}

/** The aggregate check of a group, made only when the group is large enough to count. */
function checkGroup(
  bls: BlsVerifier,
  group: readonly SignedEntry[],
  quorum: number,
): VerifyBalanceQuorumReturnType['aggregate'] {
  if (group.length === 0 || group.length < quorum) return 'not_checked'
  const valid = bls.verifyAggregate(
    group.map((entry) => entry.publicKey),
    group.map((entry) => entry.digest),
    group.map((entry) => entry.signature),
  )
  return valid ? 'valid' : 'invalid'
}

/** The proof of a replica whose signature verified: with the group, or disagreeing. */
function agreementProof(entry: SignedEntry, group: readonly SignedEntry[]): ReplicaProof {
  const { replicaId, statement } = entry
  const amounts = { available: BigInt(statement.available), locked: BigInt(statement.locked) }
  if (group.includes(entry)) return { replicaId, status: 'signed', ...amounts }
  const otherHistory = group.some(
    (member) =>
      member.statement.available === statement.available &&
      member.statement.locked === statement.locked,
  )
  const detail = otherHistory ? 'signed another history' : 'signed a different balance'
  return { replicaId, status: 'disagrees', detail, ...amounts }
}

type Judged = { entry: SignedEntry } | { proof: ReplicaProof }

function judgeAnswer(
  parameters: VerifyBalanceQuorumParameters,
  replica: { readonly id: string; readonly blsPublicKey: string },
  answer: ReplicaBalanceAnswer | undefined,
): Judged {
  const replicaId = replica.id
  const refuse = (status: ReplicaAttestationStatus, detail: string): Judged => ({
    proof: { replicaId, status, detail },
  })
  if (answer === undefined) return refuse('unreachable', 'not asked')
  if (answer.kind === 'unreachable') return refuse('unreachable', answer.message)
  if (answer.kind === 'behind') {
    const at = answer.appliedIndex === undefined ? '' : ` (at ${answer.appliedIndex})`
    return refuse('behind', `has not applied index ${parameters.index} yet${at}`)
  }
  const parsed = signedBalanceSchema.safeParse(answer.body)
  if (!parsed.success) return refuse('invalid_answer', 'malformed answer')
  const { attestation, signature, digest: claimedDigest } = parsed.data
  const mismatch = otherSubject(parameters, replicaId, attestation)
  if (mismatch !== undefined) return refuse(mismatch.status, mismatch.detail)

  const publicKey = bytesOf(replica.blsPublicKey)
  if (publicKey === undefined) return refuse('bad_signature', 'registry key is not hex')
  const digest = balanceAttestationDigest(attestation)
  if (claimedDigest !== digest) {
    return refuse(
      'bad_signature',
      `digest ${claimedDigest.slice(0, 10)}… is not ${digest.slice(0, 10)}…`,
    )
  }
  const { replicaId: _, ...statement } = attestation
  const entry = {
    replicaId,
    publicKey,
    digest: hexToBytes(digest),
    signature: hexToBytes(signature as Hex),
    statement,
  }
  return { entry: { ...entry, statementKey: JSON.stringify(statement) } }
}

/** Why an attestation is not about what was asked, or undefined when it is. */
function otherSubject(
  parameters: VerifyBalanceQuorumParameters,
  replicaId: string,
  attestation: BalanceStatement & { readonly replicaId: string },
): { status: ReplicaAttestationStatus; detail: string } | undefined {
  const invalid = (detail: string) => ({ status: 'invalid_answer' as const, detail })
  if (attestation.app !== parameters.registry.app) return invalid('other app')
  if (attestation.network !== parameters.registry.network) return invalid('other network')
  if (attestation.replicaId !== replicaId) return invalid('other replica id')
  if (attestation.address !== parameters.address.toLowerCase()) return invalid('other address')
  if (attestation.token !== parameters.token) return invalid('other token')
  if (attestation.index < parameters.index) {
    return {
      status: 'behind',
      detail: `signed index ${attestation.index}, not ${parameters.index}`,
    }
  }
  if (attestation.index !== parameters.index) return invalid('other index')
  return undefined
}

/** Bytes of `0x` hex text, or undefined when it is not even-length hex. */
function bytesOf(text: string): Uint8Array | undefined {
  return /^0x(?:[0-9a-fA-F]{2})*$/.test(text) ? hexToBytes(text as Hex) : undefined
}
