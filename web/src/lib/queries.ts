import { queryOptions } from '@tanstack/react-query'
import { ordersPageMax, type StatusResponse } from '../../../shared/api/index.ts'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { selectCommonIndex } from '../../../shared/attest/quorum.ts'
import type {
  ReplicaRootAnswer,
  RootJudgement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/judgeRootAnswers.ts'
import type { ProofAnswer } from '../../../shared/exchange/index.ts'
import type { AppRegistry } from './registry.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'
import {
  replicasToAskNext,
  worthCheckingAgain,
  type ProvenBalance,
  type VerifyBalancesAtRootReturnType,
} from './verifyBalancesAtRoot.ts'
import { verifyBalancesAtRootOffThread } from './verifyOffThread.ts'

/*
 * Query-option factories: one key and one fetcher per kind of read, so hooks stay a few lines
 * and SSE handlers can invalidate by key. Keys hold strings only (TanStack cannot hash bigint).
 */

const replicaStatusQueryKey = (replicaId: string) => ['status', replicaId] as const

/** `GET /status` of one replica, polled for the network panel and the common index. */
export function replicaStatusQueryOptions(replica: ReplicaRef) {
  return queryOptions({
    queryKey: replicaStatusQueryKey(replica.id),
    queryFn: ({ signal }) => replicaApi.status(replica, signal),
    refetchInterval: 2000,
    retry: false,
    staleTime: 1000,
  })
}

/** `GET /network` of the primary replica: Zellular nodes and the sequencer. */
export function networkQueryOptions(replica: ReplicaRef | undefined) {
  return queryOptions({
    queryKey: ['network', replica?.id ?? ''] as const,
    queryFn: ({ signal }) => replicaApi.network(replica!, signal),
    enabled: replica !== undefined,
    refetchInterval: 2500,
    retry: false,
  })
}

export const ordersQueryKey = (address: string, market: string) =>
  ['orders', address.toLowerCase(), market] as const

/**
 * The first page of an address's orders in a market: the largest the replica serves, open ones
 * first, so every open order is listed unless there are more than a page of them (`next` then
 * says some are left out).
 */
export function ordersQueryOptions(
  replica: ReplicaRef | undefined,
  address: string,
  market: string,
) {
  return queryOptions({
    queryKey: ordersQueryKey(address, market),
    queryFn: ({ signal }) =>
      replicaApi.orders(replica!, { address, market, limit: ordersPageMax }, signal),
    enabled: replica !== undefined && address !== '',
    retry: 1,
    refetchInterval: 10_000,
  })
}

/** A market's trade feed; its options are `tradeFeedQueryOptions` (`tradeFeed.ts`). */
export const tradesQueryKey = (market: string) => ['trades', market] as const

/** The verified balances of one address: every registry token proven against one root. */
export interface VerifiedBalances {
  readonly address: string
  /** The index of the root the balances were proven against; undefined if no replica answered. */
  readonly index: number | undefined
  /** How the replicas' root attestations of `index` were judged (the quorum root, signers). */
  readonly root: RootJudgement | undefined
  readonly byToken: Readonly<Record<string, ProvenBalance>>
  /** Milliseconds the checks took in the browser (the root aggregate and every proof). */
  readonly verifyMs: number
  /** The highest index a quorum of replicas has applied; the root may trail it. */
  readonly appliedIndex: number | undefined
}

export const verifiedBalancesQueryKey = (address: string) =>
  ['verifiedBalances', address.toLowerCase()] as const

/**
 * Proves an address's balances from one root aggregate (`fetchVerifiedBalances`), again every
 * 4 s, or every second while the proven root trails what a quorum has applied (replicas sign a
 * new root about once a second while batches come, then at the idle tip).
 */
export function verifiedBalancesQueryOptions(registry: AppRegistry, address: string) {
  return queryOptions({
    queryKey: verifiedBalancesQueryKey(address),
    queryFn: ({ signal }) => fetchVerifiedBalances(registry, address, signal),
    enabled: address !== '',
    refetchInterval: (query) => {
      const data = query.state.data
      const trailing =
        data?.index !== undefined &&
        data.appliedIndex !== undefined &&
        data.index < data.appliedIndex
      return trailing ? 1000 : 4000
    },
    retry: false,
    staleTime: 500,
  })
}

/**
 * Proves every registry token's balance of `address` against one root: asks every replica for
 * its status, takes the latest root index a quorum has signed (the quorum-th highest of their
 * latest state hash indexes), asks every replica for its root attestation of that index and one
 * replica (one whose latest root is that index, so its proofs are at it) for each balance's
 * proof, and checks them in the BLS worker: one aggregate verification for the root, one proof
 * per balance (`verifyBalancesAtRoot`). A proof refused (a replica serving a false value, or one
 * that has hashed a newer state since) is asked of the next replica, signers of the root first.
 * The whole check runs once more, from fresh statuses, when it failed for a passing reason:
 * every replica asked had moved past the index before serving its proof, or a quorum of replicas
 * answered but not with one root of the index (one had not signed it yet).
 */
async function fetchVerifiedBalances(
  registry: AppRegistry,
  address: string,
  signal?: AbortSignal,
): Promise<VerifiedBalances> {
  const first = await proveAtLatestRoot(registry, address, signal)
  return worthCheckingAgain(first) ? proveAtLatestRoot(registry, address, signal) : first
}

async function proveAtLatestRoot(
  registry: AppRegistry,
  address: string,
  signal?: AbortSignal,
): Promise<VerifiedBalances> {
  const statuses = await Promise.all(
    registry.replicas.map((replica) =>
      replicaApi.status(replica, signal).catch(() => undefined as StatusResponse | undefined),
    ),
  )
  const answered = statuses.flatMap((status) => (status ? [status] : []))
  const index = selectCommonIndex(
    answered.map((status) => status.stateHashIndex),
    registry.quorum,
  )
  const appliedIndex = selectCommonIndex(
    answered.map((status) => status.appliedIndex),
    registry.quorum,
  )
  const reachable = registry.replicas.filter((_, position) => statuses[position] !== undefined)
  // Proofs are served at a replica's latest root: ask one whose latest root is the index first.
  const latestRoot = new Map(
    registry.replicas.map((replica, position) => [replica.id, statuses[position]?.stateHashIndex]),
  )
  const atIndex = (replica: ReplicaRef) => Number(latestRoot.get(replica.id) !== index)
  const sources = [...reachable].sort((a, b) => atIndex(a) - atIndex(b))
  const tokens = registry.tokens.map((token) => token.symbol)
  const rootAnswers = Promise.all(
    registry.replicas.map((replica, position): Promise<ReplicaRootAnswer> =>
      index === undefined || statuses[position] === undefined
        ? Promise.resolve({
            replicaId: replica.id,
            kind: 'unreachable',
            message: 'no answer to /status',
          })
        : replicaApi.rootAnswer(replica, index, signal),
    ),
  )
  const proofs: Record<string, ProofAnswer[]> = {}
  const ask = async (token: string, replica: ReplicaRef) => {
    const answer = await replicaApi.balanceProofAnswer(replica, { address, token }, signal)
    proofs[token] = [...(proofs[token] ?? []), answer]
  }
  const firstSource = sources[0]
  await Promise.all(tokens.map((token) => (firstSource ? ask(token, firstSource) : undefined)))
  const answers = await rootAnswers
  // Plain data only: the worker gets a copy.
  const quorumRegistry = {
    app: registry.app,
    network: registry.network,
    quorum: registry.quorum,
    replicas: registry.replicas.map(({ id, blsPublicKey }) => ({ id, blsPublicKey })),
  }
  let verifyMs = 0
  let result: VerifyBalancesAtRootReturnType | undefined
  // Each round asks one more replica per unproven token: at most one round per replica.
  for (let round = 0; round <= registry.replicas.length; round++) {
    const started = performance.now()
    result = await verifyBalancesAtRootOffThread({
      registry: quorumRegistry,
      index: index ?? 0,
      answers,
      address,
      tokens,
      proofs: { ...proofs },
    })
    verifyMs += performance.now() - started
    const checked = result
    const next = tokens.flatMap((token) => {
      const asked = (proofs[token] ?? []).map((answer) => answer.replicaId)
      const ids = reachable.map((replica) => replica.id)
      const [replicaId] = replicasToAskNext(checked, token, asked, ids)
      const replica = registry.replicas.find((candidate) => candidate.id === replicaId)
      return replica === undefined ? [] : [{ token, replica }]
    })
    if (next.length === 0) break
    await Promise.all(next.map(({ token, replica }) => ask(token, replica)))
  }
  return {
    address,
    index,
    root: result?.root,
    byToken: result?.byToken ?? {},
    verifyMs,
    appliedIndex,
  }
}
