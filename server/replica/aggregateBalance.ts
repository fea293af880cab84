import {
  signedBalanceSchema,
  statusResponseSchema,
  type AggregateBalanceResponse,
} from '../../shared/api/index.ts'
import {
  aggregateBalanceAttestations,
  selectCommonIndex,
  type BalanceStatement,
  type ReplicaAnswer,
} from '../../shared/attest/index.ts'
import { ApiError, rejection } from './apiError.ts'
import { balanceAt } from './balanceAt.ts'
import type { ReplicaDeps } from './replicaDeps.ts'

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
 * group smaller than a quorum) may move the index, e.g. back to genesis. Each signature is
 * checked against the REGISTRY key of its replica (inside `aggregateBalanceAttestations`); the
 * statement signed is the one most verified answers agree on (this replica's own on a tie).
 * Below the quorum: 503 `quorum_not_reached`, naming who did not sign and why.
 *
 * The work per request is bounded (`aggregateLimits`): the chosen index is reused briefly,
 * concurrent identical requests share one gathering, and distinct gatherings in flight are
 * capped.
 */
export class BalanceAggregator {
  private chosenIndex: { readonly at: number; readonly value: Promise<number> } | undefined
  private readonly gathering = new Map<string, Promise<AggregateBalanceResponse>>()

  constructor(
    private readonly deps: ReplicaDeps,
    private readonly limits: {
      readonly indexTtlMs: number
      readonly inFlightMax: number
    } = aggregateLimits,
  ) {}

  async aggregate(
    address: string,
    token: string,
    requested: number | undefined,
  ): Promise<AggregateBalanceResponse> {
    const index = requested ?? (await this.commonIndex())
    const key = `${address}|${token}|${index}`
    const shared = this.gathering.get(key)
    if (shared !== undefined) return shared
    if (this.gathering.size >= this.limits.inFlightMax) {
      throw rejection('overloaded', undefined, 'too many aggregate balances being gathered')
    }
    const gathered = gatherAggregate(this.deps, address, token, index).finally(() =>
      this.gathering.delete(key),
    )
    this.gathering.set(key, gathered)
    return gathered
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
  address: string,
  token: string,
  at: number,
): Promise<AggregateBalanceResponse> {
  const { registry } = deps
  const answers = await Promise.all(
    registry.replicas.map((replica) =>
      replica.id === deps.replicaId
        ? ownAnswer(deps, address, token, at)
        : peerAnswer(deps, replica, address, token, at),
    ),
  )
  const committee = { replicas: registry.replicas, quorum: registry.quorum }
  let last: ReturnType<typeof aggregateBalanceAttestations> | undefined
  for (const statement of candidateStatements(deps, answers, { address, token, index: at })) {
    last = aggregateBalanceAttestations({ committee, statement, answers })
    if (last.ok) {
      const { signers, nonSigners, aggregateSignature, quorum } = last.value
      return {
        attestation: statement,
        index: at,
        signers: [...signers],
        nonSigners: nonSigners.map((nonSigner) => ({ ...nonSigner })),
        aggregateSignature,
        quorum,
      }
    }
  }
  const missing = (last?.ok === false ? last.nonSigners : [])
    .map((nonSigner) => `${nonSigner.replicaId} ${nonSigner.reason}`)
    .join(', ')
  throw rejection('quorum_not_reached', undefined, `${registry.quorum} needed; ${missing}`)
}

/** The distinct statements answered, most frequent first (ours first among equals). */
function candidateStatements(
  deps: ReplicaDeps,
  answers: readonly ReplicaAnswer[],
  key: { address: string; token: string; index: number },
): BalanceStatement[] {
  const counts = new Map<string, { statement: BalanceStatement; count: number; own: boolean }>()
  for (const answer of answers) {
    if (answer.outcome !== 'answered') continue
    const parsed = signedBalanceSchema.shape.attestation.safeParse(answer.attestation)
    if (!parsed.success) continue
    const { replicaId, ...statement } = parsed.data
    const { app, network } = deps.registry
    const matches =
      statement.app === app &&
      statement.network === network &&
      statement.address === key.address &&
      statement.token === key.token &&
      statement.index === key.index
    if (!matches) continue
    // Amounts and history (genesis and chaining hash) alike: agreeing means on all of them.
    const id = JSON.stringify(statement)
    const entry = counts.get(id) ?? { statement, count: 0, own: false }
    entry.count += 1
    entry.own ||= replicaId === deps.replicaId
    counts.set(id, entry)
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || Number(b.own) - Number(a.own))
    .map((entry) => entry.statement)
}

function ownAnswer(
  deps: ReplicaDeps,
  address: string,
  token: string,
  index: number,
): ReplicaAnswer {
  if (index > deps.state.position.index) return { replicaId: deps.replicaId, outcome: 'behind' }
  let found: ReturnType<typeof balanceAt>
  try {
    found = balanceAt(deps, address, token, index)
  } catch (error) {
    // An index from before this database kept chaining hashes: no statement to sign.
    const unknown = error instanceof ApiError && error.code === 'chaining_hash_unknown'
    if (unknown) return { replicaId: deps.replicaId, outcome: 'unreachable' }
    throw error
  }
  const signed = deps.signer.sign(address, token, found.balance, found.at)
  return {
    replicaId: deps.replicaId,
    outcome: 'answered',
    attestation: signed.attestation,
    signature: signed.signature,
  }
}

async function peerAnswer(
  deps: ReplicaDeps,
  replica: { id: string; url: string },
  address: string,
  token: string,
  index: number,
): Promise<ReplicaAnswer> {
  const query = new URLSearchParams({ address, token, index: String(index) })
  try {
    const response = await deps.fetch(`${replica.url}/balance?${query}`, {
      signal: AbortSignal.timeout(deps.options.aggregateTimeoutMs),
    })
    if (response.status === 409) return { replicaId: replica.id, outcome: 'behind' }
    const parsed = signedBalanceSchema.safeParse(await response.json())
    if (!response.ok || !parsed.success) return { replicaId: replica.id, outcome: 'unreachable' }
    const { attestation, signature } = parsed.data
    return { replicaId: replica.id, outcome: 'answered', attestation, signature }
  } catch {
    return { replicaId: replica.id, outcome: 'unreachable' }
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
