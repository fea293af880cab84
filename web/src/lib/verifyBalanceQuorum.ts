import { z } from 'zod'
import type { BlsVerifier } from './bls.ts'
import { bytesEqual, bytesToHex, hexToBytesOrUndefined } from './hex.ts'

/**
 * What a replica signs about one balance; amounts are decimal strings in base units. The
 * genesis (configuration) hash and Zellular's chaining hash of `index` name the history the
 * balance comes from (see `balanceAttestationSchema` of `shared/attest`).
 */
export interface BalanceAttestation {
  readonly app: string
  readonly network: string
  readonly genesisHash: string
  readonly replicaId: string
  readonly address: string
  readonly token: string
  readonly available: string
  readonly locked: string
  readonly index: number
  readonly chainingHash: string
}

const decimal = z.string().regex(/^(?:0|[1-9][0-9]{0,77})$/)
const attestationSchema = z.object({
  app: z.string(),
  network: z.string(),
  genesisHash: z.string(),
  replicaId: z.string(),
  address: z.string(),
  token: z.string(),
  available: decimal,
  locked: decimal,
  index: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  chainingHash: z.string(),
})
const signedBalanceSchema = z.object({
  attestation: attestationSchema,
  digest: z.string().optional(),
  signature: z.string(),
  publicKey: z.string().optional(),
})

/** How one replica's answer was judged, for the per-replica list under the badge. */
export type ReplicaProofStatus =
  /** A valid signature, by the registry key, over the agreed balance at the common index. */
  | 'signed'
  /** A signature that does not verify against the registry key, or a digest that is not ours. */
  | 'bad_signature'
  /** The replica has not applied the common index yet. */
  | 'behind'
  /** No answer (connection refused, timeout, 5xx). */
  | 'unreachable'
  /** A valid signature over a different balance, or another history, than the quorum's. */
  | 'disagrees'
  /** An answer about another app, replica, address, token or index, or malformed. */
  | 'invalid_answer'

/** One replica's line in the proof. */
export interface ReplicaProof {
  readonly replicaId: string
  readonly status: ReplicaProofStatus
  /** A short human reason for anything but `signed`. */
  readonly detail?: string
  readonly available?: bigint
  readonly locked?: bigint
}

/** A replica's answer to `GET /balance`, as the transport saw it. */
export type ReplicaBalanceAnswer =
  | { readonly replicaId: string; readonly kind: 'answer'; readonly body: unknown }
  | { readonly replicaId: string; readonly kind: 'behind'; readonly appliedIndex?: number }
  | { readonly replicaId: string; readonly kind: 'unreachable'; readonly message: string }

export interface VerifyBalanceQuorumParameters {
  /** The trust root: ids, BLS public keys (hex) and the quorum, from the app's own server. */
  readonly registry: {
    readonly app: string
    readonly network: string
    readonly quorum: number
    readonly replicas: readonly { readonly id: string; readonly blsPublicKey: string }[]
  }
  readonly address: string
  readonly token: string
  /** The common index every replica was asked to attest at. */
  readonly index: number
  readonly answers: readonly ReplicaBalanceAnswer[]
  readonly bls: BlsVerifier
  /** The 32-byte digest a replica signs for an attestation; computed here, never received. */
  readonly digestOf: (attestation: BalanceAttestation) => Uint8Array
  /** `'aggregate-first'` (default) or `'each'`; see `verifyBalanceQuorum`. */
  readonly mode?: 'aggregate-first' | 'each'
}

export interface VerifyBalanceQuorumReturnType {
  /** True only when at least `quorum` registry replicas signed the same balance and the aggregate
   * of those signatures verifies. Only then may `available`/`locked` be shown as verified. */
  readonly verified: boolean
  /** How many replicas are in the agreeing, verified group. */
  readonly k: number
  readonly n: number
  readonly quorum: number
  readonly index: number
  /** The agreed balance when verified; otherwise the best unverified guess, if any. */
  readonly available?: bigint
  readonly locked?: bigint
  /** Zellular's chaining hash of `index` the agreed balance was signed with ("" at 0). */
  readonly chainingHash?: string
  /** Verification of the aggregate signature of the agreeing group. */
  readonly aggregate: 'valid' | 'invalid' | 'not_checked'
  readonly replicas: readonly ReplicaProof[]
}

interface SignedEntry {
  readonly replicaId: string
  readonly publicKey: Uint8Array
  readonly digest: Uint8Array
  readonly signature: Uint8Array
  readonly available: bigint
  readonly locked: bigint
  /** What replicas must agree on: the amounts and the history (genesis and chaining hash). */
  readonly statementKey: string
  readonly chainingHash: string
}

/**
 * Decides whether a balance is verified by a quorum of replicas. Every answer is checked against
 * the registry, not against anything the replica sent: the attestation must name this app and
 * network, the replica that was asked, the address, the token and the common index; the digest
 * is computed here; signatures are checked under the registry key of each replica. Answers are
 * grouped by statement (the balance and the history it comes from: genesis hash and chaining
 * hash), and the largest group counts only if it reaches the quorum and the aggregate of its
 * signatures verifies (BLS `verifyMultiple` over each member's own digest).
 *
 * `mode: 'each'` (what the app uses) verifies every signature on its own before the aggregate.
 * `'aggregate-first'` checks the aggregate first and falls back to single checks only when it
 * fails (to name the bad replica) or for answers outside the group. Because every key comes from
 * the fixed registry, a valid aggregate proves that each member's key signed its digest unless
 * members pool their secret keys, which gives them nothing they could not sign anyway; it costs
 * one pairing product instead of one per replica. Pure apart from the BLS calls; never throws
 * on hostile answers.
 */
export function verifyBalanceQuorum(
  parameters: VerifyBalanceQuorumParameters,
): VerifyBalanceQuorumReturnType {
  const { registry, bls, index } = parameters
  const mode = parameters.mode ?? 'aggregate-first'
  const proofs = new Map<string, ReplicaProof>()
  // Each replica id once (its first entry), whatever the registry lists: an id listed twice must
  // not count twice towards the quorum.
  const seen = new Set<string>()
  const replicas = registry.replicas.filter((r) => !seen.has(r.id) && seen.add(r.id))
  let candidates: SignedEntry[] = []
  for (const replica of replicas) {
    const answer = parameters.answers.find((candidate) => candidate.replicaId === replica.id)
    const judged = judgeAnswer(parameters, replica, answer)
    if ('entry' in judged) candidates.push(judged.entry)
    else proofs.set(replica.id, judged.proof)
  }
  const verifiedAlone = new Set<SignedEntry>()
  const verifyAlone = (entry: SignedEntry): boolean => {
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
  if (mode === 'each') candidates = candidates.filter(verifyAlone)

  let group = largestGroup(candidates)
  let aggregate: VerifyBalanceQuorumReturnType['aggregate'] = 'not_checked'
  if (group.length >= registry.quorum && group.length > 0) {
    aggregate = verifyAggregate(bls, group) ? 'valid' : 'invalid'
    if (aggregate === 'invalid' && mode === 'aggregate-first') {
      // Find the bad signatures, then try the aggregate of the good ones.
      candidates = candidates.filter(verifyAlone)
      group = largestGroup(candidates)
      aggregate = 'not_checked'
      if (group.length >= registry.quorum && group.length > 0) {
        aggregate = verifyAggregate(bls, group) ? 'valid' : 'invalid'
      }
    }
  }
  const verified = aggregate === 'valid'
  for (const entry of candidates) {
    const inGroup = verified && group.includes(entry)
    // Outside a verified group a signature counts for nothing until it verifies on its own.
    if (!inGroup && !verifyAlone(entry)) continue
    const agrees = group.includes(entry)
    const sameAmounts = (member: SignedEntry) =>
      member.available === entry.available && member.locked === entry.locked
    const otherHistory = !agrees && group.some(sameAmounts)
    proofs.set(entry.replicaId, {
      replicaId: entry.replicaId,
      status: agrees ? 'signed' : 'disagrees',
      ...(agrees
        ? {}
        : { detail: otherHistory ? 'signed another history' : 'signed a different balance' }),
      available: entry.available,
      locked: entry.locked,
    })
  }
  const best = group[0]
  return {
    verified,
    k: verified ? group.length : 0,
    n: replicas.length,
    quorum: registry.quorum,
    index,
    ...(best
      ? { available: best.available, locked: best.locked, chainingHash: best.chainingHash }
      : {}),
    aggregate,
    replicas: replicas.map((replica) => proofs.get(replica.id)!),
  }
}

function largestGroup(entries: readonly SignedEntry[]): SignedEntry[] {
  const groups = new Map<string, SignedEntry[]>()
  for (const entry of entries) {
    groups.set(entry.statementKey, [...(groups.get(entry.statementKey) ?? []), entry])
  }
  return [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? []
}

function verifyAggregate(bls: BlsVerifier, group: readonly SignedEntry[]): boolean {
  return bls.verifyAggregate(
    group.map((entry) => entry.publicKey),
    group.map((entry) => entry.digest),
    group.map((entry) => entry.signature),
  )
}

type Judged = { entry: SignedEntry } | { proof: ReplicaProof }

function judgeAnswer(
  parameters: VerifyBalanceQuorumParameters,
  replica: { readonly id: string; readonly blsPublicKey: string },
  answer: ReplicaBalanceAnswer | undefined,
): Judged {
  const replicaId = replica.id
  const refuse = (status: ReplicaProofStatus, detail: string): Judged => ({
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
  const { attestation: raw, signature: signatureHex, digest: claimedDigest } = parsed.data
  const attestation: BalanceAttestation = raw
  if (attestation.app !== parameters.registry.app) return refuse('invalid_answer', 'other app')
  if (attestation.network !== parameters.registry.network) {
    return refuse('invalid_answer', 'other network')
  }
  if (attestation.replicaId !== replicaId) return refuse('invalid_answer', 'other replica id')
  if (attestation.address.toLowerCase() !== parameters.address.toLowerCase()) {
    return refuse('invalid_answer', 'other address')
  }
  if (attestation.token !== parameters.token) return refuse('invalid_answer', 'other token')
  if (attestation.index < parameters.index) {
    return refuse('behind', `signed index ${attestation.index}, not ${parameters.index}`)
  }
  if (attestation.index !== parameters.index) return refuse('invalid_answer', 'other index')

  const publicKey = hexToBytesOrUndefined(replica.blsPublicKey)
  const signature = hexToBytesOrUndefined(signatureHex)
  if (publicKey === undefined) return refuse('bad_signature', 'registry key is not hex')
  if (signature === undefined) return refuse('bad_signature', 'signature is not hex')
  let digest: Uint8Array
  try {
    digest = parameters.digestOf(attestation)
  } catch {
    return refuse('invalid_answer', 'attestation fields out of format')
  }
  const claimed = hexToBytesOrUndefined(claimedDigest)
  if (claimedDigest !== undefined && (claimed === undefined || !bytesEqual(claimed, digest))) {
    const ours = bytesToHex(digest).slice(0, 10)
    return refuse('bad_signature', `digest ${claimedDigest.slice(0, 10)}… is not ${ours}…`)
  }
  const available = BigInt(attestation.available)
  const locked = BigInt(attestation.locked)
  const { genesisHash, chainingHash } = attestation
  const statementKey = [available, locked, genesisHash, chainingHash].join('/')
  const entry = { replicaId, publicKey, digest, signature, available, locked, chainingHash }
  return { entry: { ...entry, statementKey } }
}

/**
 * The index to ask every replica to attest at: the highest index that at least `quorum` of the
 * reachable replicas have applied, so one slow replica does not hold the badge back and one fast
 * replica does not leave the others "behind". The replicas' `/aggregate_balance` uses the same
 * rule (`shared/attest/quorum.ts`, imported alone so that BLS stays out of the first load).
 */
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
export { selectCommonIndex } from '../../../shared/attest/quorum.ts'
