import { queryOptions } from '@tanstack/react-query'
import { ordersPageMax, type StatusResponse } from '../../../shared/api/index.ts'
import type { AppRegistry } from './registry.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'
import { selectCommonIndex, type VerifyBalanceQuorumReturnType } from './verifyBalanceQuorum.ts'
import { verifyBalanceQuorumOffThread } from './verifyOffThread.ts'

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

/** The verified balances of one address: one quorum proof per registry token. */
export interface VerifiedBalances {
  readonly address: string
  /** The common index every replica was asked to attest at; undefined if none answered. */
  readonly index: number | undefined
  readonly byToken: Readonly<Record<string, VerifyBalanceQuorumReturnType>>
  /** Milliseconds the BLS checks took in the browser (all tokens). */
  readonly verifyMs: number
}

export const verifiedBalancesQueryKey = (address: string) =>
  ['verifiedBalances', address.toLowerCase()] as const

/**
 * Asks every replica for its applied index, picks the common index a quorum has reached, asks
 * every replica for its signed balance of each token at that index, and verifies the answers
 * in the browser against the registry keys (BLS loaded lazily on first use).
 */
export function verifiedBalancesQueryOptions(registry: AppRegistry, address: string) {
  return queryOptions({
    queryKey: verifiedBalancesQueryKey(address),
    queryFn: ({ signal }) => fetchVerifiedBalances(registry, address, signal),
    enabled: address !== '',
    refetchInterval: 4000,
    retry: false,
    staleTime: 500,
  })
}

async function fetchVerifiedBalances(
  registry: AppRegistry,
  address: string,
  signal?: AbortSignal,
): Promise<VerifiedBalances> {
  const statuses = await Promise.all(
    registry.replicas.map((replica) =>
      replicaApi.status(replica, signal).catch(() => undefined as StatusResponse | undefined),
    ),
  )
  const applied = statuses.flatMap((status) => (status ? [status.appliedIndex] : []))
  const index = selectCommonIndex(applied, registry.quorum)
  const tokens = registry.tokens.map((token) => token.symbol)
  const answersByToken = await Promise.all(
    tokens.map((token) =>
      Promise.all(
        registry.replicas.map((replica, position) =>
          index === undefined || statuses[position] === undefined
            ? Promise.resolve({
                replicaId: replica.id,
                kind: 'unreachable' as const,
                message: 'no answer to /status',
              })
            : replicaApi.balanceAnswer(replica, { address, token, index }, signal),
        ),
      ),
    ),
  )
  const byToken: Record<string, VerifyBalanceQuorumReturnType> = {}
  let verifyMs = 0
  // Plain data only: the worker gets a copy.
  const quorumRegistry = {
    app: registry.app,
    network: registry.network,
    quorum: registry.quorum,
    replicas: registry.replicas.map(({ id, blsPublicKey }) => ({ id, blsPublicKey })),
  }
  for (const [position, token] of tokens.entries()) {
    // One token at a time, in the BLS worker: the pairings never hold the page.
    const started = performance.now()
    byToken[token] = await verifyBalanceQuorumOffThread({
      registry: quorumRegistry,
      address,
      token,
      index: index ?? 0,
      answers: answersByToken[position]!,
      // Every signature on its own, then the aggregate: the per-replica status under the badge
      // is then a proven fact for each replica, not an inference from the aggregate.
      mode: 'each',
    })
    verifyMs += performance.now() - started
  }
  return { address, index, byToken, verifyMs }
}
