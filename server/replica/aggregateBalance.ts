import {
  statusResponseSchema,
  type AggregateBalanceResponse,
  type NonSignerReason,
} from '../../shared/api/index.ts'
import {
  aggregateSignatures,
  type BlsVerifier,
  createBlsVerifier,
  herumi,
  type ReplicaAttestationStatus,
  type ReplicaBalanceAnswer,
  selectCommonIndex,
  verifyBalanceQuorum,
} from '../../shared/attest/index.ts'
import { ApiError, rejection } from './apiError.ts'
import { balanceAt } from './balanceAt.ts'
import type { SignatureBudget } from './balanceSigner.ts'
import type { ReplicaDeps } from './replicaDeps.ts'
import { SharedGatherings } from './sharedGatherings.ts'

/** Bounds on the work `/aggregate_balance` requests can cause. */
export const aggregateLimits = {
  /**
   * How long a common index chosen for requests that name none is reused, in ms: one `/status`
   * round to the peers per this period, however many requests come.
   */
  indexTtlMs: 250,
  /**
   * Most distinct aggregates (address, token, index) gathered at once; identical requests share
   * one gathering, and more distinct ones get 503 `overloaded`. Each gathering asks every peer
   * once and checks their signatures, so this caps the peer requests and pairings in flight.
   */
  inFlightMax: 16,
} as const

/**
 * Gathers aggregate balances for `GET /aggregate_balance`: asks every replica of the registry for
 * its signed balance of (address, token) at one common index and aggregates a quorum of
 * agreeing, verified signatures. The index is the one asked for, or else the highest index a
 * quorum of replicas has applied, from this replica's own index and the peers' `/status`
 * (`selectCommonIndex`): a peer's `/status` is unauthenticated, and no single replica (nor any
 * group smaller than a quorum) may move the index, e.g. back to genesis. The answers are judged
 * by the project's one quorum rule, `verifyBalanceQuorum` of `shared/attest` (each signature
 * against the REGISTRY key of its replica); the statement signed is the one the verified
 * quorum agrees on. Below the quorum: 503 `quorum_not_reached`, naming who did not sign and why.
 *
 * The work per request is bounded (`aggregateLimits`): the chosen index is reused briefly,
 * concurrent identical requests share one gathering, and distinct gatherings in flight are
 * capped.
 */
export class BalanceAggregator {
  private chosenIndex: { readonly at: number; readonly value: Promise<number> } | undefined
  /** herumi behind the verifier's caches: peers' signatures repeat while nothing changes. */
  private readonly bls = createBlsVerifier(herumi)
  private readonly gathering: SharedGatherings<AggregateBalanceResponse>

  constructor(
    private readonly deps: ReplicaDeps,
    private readonly limits: {
      readonly indexTtlMs: number
      readonly inFlightMax: number
    } = aggregateLimits,
  ) {
    this.gathering = new SharedGatherings(limits.inFlightMax, 'aggregate balances')
  }

  async aggregate(
    address: string,
    token: string,
    requested: number | undefined,
    budget: SignatureBudget,
  ): Promise<AggregateBalanceResponse> {
    const index = requested ?? (await this.commonIndex())
    // A shared gathering signs once, paid by the request that started it.
    return this.gathering.run(`${address}|${token}|${index}`, () =>
      gatherAggregate(this.deps, this.bls, { address, token, at: index, budget }),
    )
  }

  /** The common index, asked of the peers at most once per `indexTtlMs`. */
  private commonIndex(): Promise<number> {
    const now = this.deps.now()
    if (this.chosenIndex === undefined || now - this.chosenIndex.at > this.limits.indexTtlMs) {
      this.chosenIndex = { at: now, value: chooseCommonIndex(this.deps) }
    }
    return this.chosenIndex.value
  }
}

/** The highest index a quorum has applied, among this replica's and the peers' reports. */
async function chooseCommonIndex(deps: ReplicaDeps): Promise<number> {
  const { registry } = deps
  const others = registry.replicas.filter((replica) => replica.id !== deps.replicaId)
  const heights = await Promise.all(others.map((replica) => appliedIndexOf(deps, replica.url)))
  const reported = [deps.state.position.index, ...heights.filter((height) => height !== undefined)]
  return selectCommonIndex(reported, registry.quorum) ?? deps.state.position.index
}

/** Asks every replica for its signed balance at `index` and aggregates a quorum of them. */
async function gatherAggregate(
  deps: ReplicaDeps,
  bls: BlsVerifier,
  asked: { address: string; token: string; at: number; budget: SignatureBudget },
): Promise<AggregateBalanceResponse> {
  const { registry } = deps
  const { address, token, at } = asked
  const answers = await Promise.all(
    registry.replicas.map((replica) =>
      replica.id === deps.replicaId
        ? ownAnswer(deps, address, token, at, asked.budget)
        : peerAnswer(deps, replica, address, token, at),
    ),
  )
  // The aggregate check costs one pairing product; single checks run only to name a bad signer.
  const mode = 'aggregate-first'
  const result = verifyBalanceQuorum({ registry, address, token, index: at, answers, bls, mode })
  // Below the quorum, replicas that signed the largest statement are neither signers nor named.
  const nonSigners = result.replicas.flatMap(({ replicaId, status }) =>
    status === 'signed' ? [] : [{ replicaId, reason: nonSignerReasons[status] }],
  )
  if (!result.verified || result.statement === undefined) {
    const missing = nonSigners
      .map((nonSigner) => `${nonSigner.replicaId} ${nonSigner.reason}`)
      .join(', ')
    throw rejection('quorum_not_reached', undefined, `${registry.quorum} needed; ${missing}`)
  }
  return {
    attestation: result.statement,
    index: at,
    signers: result.signers.map((signer) => signer.replicaId),
    nonSigners,
    aggregateSignature: aggregateSignatures(result.signers.map((s) => s.signature)),
    quorum: { required: registry.quorum, total: result.n },
  }
}

/**
 * The API's reason for each way a replica's answer can fail the quorum rule: an answer about
 * something else than what was asked (another index, token, replica...) or malformed is no
 * signed balance of it, which the API calls `unreachable`.
 */
const nonSignerReasons: Record<Exclude<ReplicaAttestationStatus, 'signed'>, NonSignerReason> = {
  bad_signature: 'bad_signature',
  behind: 'behind',
  unreachable: 'unreachable',
  disagrees: 'disagrees',
  invalid_answer: 'unreachable',
}

async function ownAnswer(
  deps: ReplicaDeps,
  address: string,
  token: string,
  index: number,
  budget: SignatureBudget,
): Promise<ReplicaBalanceAnswer> {
  const replicaId = deps.replicaId
  if (index > deps.state.position.index) return { replicaId, kind: 'behind' }
  let found: Awaited<ReturnType<typeof balanceAt>>
  try {
    found = await balanceAt(deps, address, token, index)
  } catch (error) {
    // An index from before this database kept chaining hashes, or whose balances the history
    // retention pruned: no statement to sign.
    const code = error instanceof ApiError ? error.code : undefined
    if (code === 'chaining_hash_unknown' || code === 'pruned') {
      return { replicaId, kind: 'unreachable', message: code.replaceAll('_', ' ') }
    }
    throw error
  }
  const [body] = deps.signer.signAll(address, [{ token, ...found }], budget)
  return { replicaId, kind: 'answer', body }
}

async function peerAnswer(
  deps: ReplicaDeps,
  replica: { id: string; url: string },
  address: string,
  token: string,
  index: number,
): Promise<ReplicaBalanceAnswer> {
  const replicaId = replica.id
  const query = new URLSearchParams({ address, token, index: String(index) })
  try {
    const response = await deps.fetch(`${replica.url}/balance?${query}`, {
      signal: AbortSignal.timeout(deps.options.aggregateTimeoutMs),
    })
    if (response.status === 409) return { replicaId, kind: 'behind' }
    const body: unknown = await response.json()
    if (!response.ok) return { replicaId, kind: 'unreachable', message: `${response.status}` }
    // Parsed and judged with the others by `verifyBalanceQuorum`.
    return { replicaId, kind: 'answer', body }
  } catch {
    return { replicaId, kind: 'unreachable', message: 'no answer' }
  }
}

async function appliedIndexOf(deps: ReplicaDeps, url: string): Promise<number | undefined> {
  try {
    const response = await deps.fetch(`${url}/status`, {
      signal: AbortSignal.timeout(deps.options.aggregateTimeoutMs),
    })
    const parsed = statusResponseSchema.safeParse(await response.json())
    return parsed.success ? parsed.data.appliedIndex : undefined
  } catch {
    return undefined
  }
}
