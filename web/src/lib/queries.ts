import { queryOptions } from '@tanstack/react-query'
import {
  ordersPageMax,
  type OrdersResponse,
  type StatusResponse,
} from '../../../shared/api/index.ts'
// eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
import { selectCommonIndex } from '../../../shared/attest/quorum.ts'
import type {
  ReplicaRootAnswer,
  RootJudgement,
  // eslint-disable-next-line project/module-boundaries -- BLS-free part of attest, for the web
} from '../../../shared/attest/judgeRootAnswers.ts'
import {
  splitBalanceProofs,
  splitOrderProofs,
  walkOpenOrderPages,
  type ProofAnswer,
} from '../../../shared/exchange/index.ts'
import { mergeOrderPages } from './orderPages.ts'
import type { AppRegistry } from './registry.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'
import {
  replicasToAskNext,
  worthCheckingAgain,
  type ProvenBalance,
  type ProvenOrder,
  type VerifyPortfolioAtRootReturnType,
} from './verifyPortfolioAtRoot.ts'
import {
  prepareVerifierOffThread,
  verifyPortfolioAtRootOffThread,
  type BlsWorkerParameters,
} from './verifyOffThread.ts'

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
 * An address's orders in a market, open ones first, in the largest pages the replica serves:
 * the following pages are read while a page lists open orders only, so every open order is
 * listed (up to `provenOrderPagesMax` pages, as many as the portfolio check proves), then the
 * most recently closed ones of the last page read (`next` says more follow). `index` is the
 * first page's.
 */
export function ordersQueryOptions(
  replica: ReplicaRef | undefined,
  address: string,
  market: string,
) {
  return queryOptions({
    queryKey: ordersQueryKey(address, market),
    queryFn: async ({ signal }): Promise<OrdersResponse> => {
      const pages: OrdersResponse[] = []
      await walkOpenOrderPages(async (cursor) => {
        const query = { address, market, limit: ordersPageMax, ...(cursor ? { cursor } : {}) }
        const page = await replicaApi.orders(replica!, query, signal)
        pages.push(page)
        return { replicaId: replica!.id, kind: 'answer', body: page }
      })
      return mergeOrderPages(pages)
    },
    enabled: replica !== undefined && address !== '',
    retry: 1,
    refetchInterval: 10_000,
  })
}

/** A market's trade feed; its options are `tradeFeedQueryOptions` (`tradeFeed.ts`). */
export const tradesQueryKey = (market: string) => ['trades', market] as const

/** The verified portfolio of one address: every registry token's balance and every open order
 * a replica listed, each proven against one root. */
export interface VerifiedPortfolio {
  readonly address: string
  /** The index of the root the values were proven against; undefined if no replica answered. */
  readonly index: number | undefined
  /** How the replicas' root attestations of `index` were judged (the quorum root, signers). */
  readonly root: RootJudgement | undefined
  readonly byToken: Readonly<Record<string, ProvenBalance>>
  /** Per order id: the open orders the replica `ordersListedBy` listed, proven at the root. */
  readonly byOrder: Readonly<Record<string, ProvenOrder>>
  /** The replica whose list of open orders was proven (the list itself is not proven). */
  readonly ordersListedBy: string | undefined
  /** Its list filled `provenOrderPagesMax` pages: more open orders are left unproven. */
  readonly ordersTruncated: boolean
  /** Milliseconds the checks took in the browser (the root aggregate and every proof). */
  readonly verifyMs: number
  /** The highest index a quorum of replicas has applied; the root may trail it. */
  readonly appliedIndex: number | undefined
}

export const verifiedPortfolioQueryKey = (address: string) =>
  ['verifiedPortfolio', address.toLowerCase()] as const

/**
 * Proves an address's balances and open orders from one root aggregate
 * (`fetchVerifiedPortfolio`), again every 4 s, or every second while the proven root trails what
 * a quorum has applied (replicas sign a new root about once a second while batches come, then
 * at the idle tip).
 */
export function verifiedPortfolioQueryOptions(registry: AppRegistry, address: string) {
  return queryOptions({
    queryKey: verifiedPortfolioQueryKey(address),
    queryFn: ({ signal, client, queryKey }) =>
      fetchVerifiedPortfolio(registry, address, signal, client.getQueryData(queryKey)),
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
 * Proves every registry token's balance of `address` and every open order of it against one
 * root: asks every replica for its status, takes the latest root index a quorum has signed (the
 * quorum-th highest of their latest state hash indexes), asks every replica for its root
 * attestation of that index and one replica (one whose latest root is that index, so its proofs
 * are at it) for all its balances with their proofs in one answer (`GET /balances?proof=1`) and
 * its pages of the address's open orders with theirs (`GET /orders?proof=1`, one per 100 open
 * orders), and checks them in the BLS worker: one aggregate verification for the root, one
 * proof per value (`verifyPortfolioAtRoot`). Values not proven (a replica serving a false value,
 * or one that has hashed a newer state since) are asked of the next replica, signers of the root
 * first, again one answer for its balances and its pages for the orders: at most
 * 1 + `provenOrderPagesMax` requests per replica. The whole check runs once more, from fresh
 * statuses, when it failed for a passing reason: every replica asked had moved past the index
 * before serving its proof, or a quorum of replicas answered but not with one root of the index
 * (one had not signed it yet).
 */
async function fetchVerifiedPortfolio(
  registry: AppRegistry,
  address: string,
  signal: AbortSignal | undefined,
  previous: VerifiedPortfolio | undefined,
): Promise<VerifiedPortfolio> {
  const first = await proveAtLatestRoot(registry, address, signal, previous)
  return worthCheckingAgain(first) ? proveAtLatestRoot(registry, address, signal) : first
}

/**
 * Whether `previous` still says all there is to prove at root `index`: every replica signed
 * that very root, and it proved every value it holds there. A root is one state, so its proofs
 * and the open orders listed at it do not change; only a later root can prove anything new. A
 * root fewer replicas signed is checked again: the others may have signed it since (the badge
 * counts them), or gone (the caller also wants every replica's status now).
 */
export function provenAtRoot(previous: VerifiedPortfolio | undefined, index: number | undefined) {
  if (previous === undefined || index === undefined || previous.index !== index) return false
  const { root } = previous
  if (root?.verified !== true || root.k !== root.n || previous.ordersTruncated) return false
  return (
    Object.values(previous.byToken).every((balance) => balance.verified) &&
    Object.values(previous.byOrder).every((order) => order.verified || order.notOpen)
  )
}

async function proveAtLatestRoot(
  registry: AppRegistry,
  address: string,
  signal?: AbortSignal,
  previous?: VerifiedPortfolio,
): Promise<VerifiedPortfolio> {
  prepareVerifier(registry)
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
  // Nothing new to prove: the statuses alone (3 small reads) instead of the roots, the proofs
  // and a BLS check, each time the app asks while the quorum's root stands still and every
  // replica is there.
  const everyReplica = answered.length === registry.replicas.length
  if (previous !== undefined && everyReplica && provenAtRoot(previous, index)) {
    return { ...previous, appliedIndex }
  }
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
  const asked = askedProofs(address, tokens, signal)
  const firstSource = sources[0]
  // One answer proves every balance, and one page per 100 open orders proves those orders.
  const [listing] = await Promise.all([
    firstSource && asked.askOrders(firstSource),
    firstSource && asked.askBalances(firstSource),
  ])
  const listed = listing && { replicaId: firstSource!.id, ...listing }
  const checked = await verifyInRounds(registry, asked, {
    index: index ?? 0,
    answers: await rootAnswers,
    address,
    tokens,
    orderIds: listed?.orderIds ?? [],
    reachable: reachable.map((replica) => replica.id),
  })
  return {
    address,
    index,
    root: checked.result?.root,
    byToken: checked.result?.byToken ?? {},
    byOrder: checked.result?.byOrder ?? {},
    ordersListedBy: listed?.replicaId,
    ordersTruncated: listed?.truncated ?? false,
    verifyMs: checked.verifyMs,
    appliedIndex,
  }
}

type ProofKind = 'balance' | 'order'

/**
 * The answers asked for so far, per token and per order id, in the order asked: `askBalances`
 * adds one replica's answer for every token (`GET /balances?proof=1`, split per token),
 * `askOrders` its pages of open orders (`GET /orders?proof=1`) for the orders given, or for
 * those it lists, which it returns.
 */
function askedProofs(address: string, tokens: readonly string[], signal: AbortSignal | undefined) {
  const proofs: Record<string, ProofAnswer[]> = {}
  const orderProofs: Record<string, ProofAnswer[]> = {}
  const record = (list: Record<string, ProofAnswer[]>, item: string, answer: ProofAnswer) => {
    list[item] = [...(list[item] ?? []), answer]
  }
  const askBalances = async (replica: ReplicaRef) => {
    const answer = await replicaApi.provenBalancesAnswer(replica, address, signal)
    const split = splitBalanceProofs(address, tokens, answer)
    for (const token of tokens) record(proofs, token, split[token]!)
  }
  const askOrders = async (replica: ReplicaRef, orderIds?: readonly string[]) => {
    const { pages, truncated } = await replicaApi.provenOrderPages(replica, address, signal)
    const split: Record<string, ProofAnswer> = Object.assign(
      {},
      ...pages.map((page) => splitOrderProofs(address, page)),
    )
    const listedIds = Object.keys(split)
    const unanswered = pages.find((page) => page.kind !== 'answer') ?? {
      replicaId: replica.id,
      kind: 'unavailable' as const,
      message: 'not among the open orders it lists',
    }
    for (const orderId of orderIds ?? listedIds) {
      record(orderProofs, orderId, split[orderId] ?? unanswered)
    }
    // No list at all when its first page is not served.
    return pages[0]?.kind === 'answer' ? { orderIds: listedIds, truncated } : undefined
  }
  return { proofs, orderProofs, askBalances, askOrders }
}

/** Registries the BLS worker was prepared for (the app has one, loaded once). */
const prepared = new WeakSet<AppRegistry>()

/**
 * Starts the BLS worker, which loads herumi and checks the registry keys' proofs of possession
 * (`blsWorkerHandler.ts`), once per registry: the app calls it once the page is up, and every
 * portfolio check as it starts asking for answers (whichever comes first does it), so a first
 * check waits for neither.
 */
export function prepareVerifier(registry: AppRegistry): void {
  if (prepared.has(registry)) return
  prepared.add(registry)
  prepareVerifierOffThread(quorumRegistryOf(registry))
}

/** What the BLS worker needs of the registry, as plain data (the worker gets a copy). */
function quorumRegistryOf(registry: AppRegistry): BlsWorkerParameters['registry'] {
  return {
    app: registry.app,
    network: registry.network,
    quorum: registry.quorum,
    replicas: registry.replicas.map(({ id, blsPublicKey, blsProofOfPossession }) => ({
      id,
      blsPublicKey,
      blsProofOfPossession,
    })),
  }
}

/**
 * Checks the answers in the BLS worker, then asks one more replica for each value not proven
 * yet (signers of the root first) and checks again: at most one round per replica.
 */
async function verifyInRounds(
  registry: AppRegistry,
  asked: ReturnType<typeof askedProofs>,
  check: Pick<BlsWorkerParameters, 'index' | 'answers' | 'address' | 'tokens' | 'orderIds'> & {
    readonly reachable: readonly string[]
  },
): Promise<{ result: VerifyPortfolioAtRootReturnType | undefined; verifyMs: number }> {
  const { proofs, orderProofs } = asked
  const quorumRegistry = quorumRegistryOf(registry)
  let verifyMs = 0
  let result: VerifyPortfolioAtRootReturnType | undefined
  for (let round = 0; round <= registry.replicas.length; round++) {
    const started = performance.now()
    const { reachable, ...values } = check
    result = await verifyPortfolioAtRootOffThread({
      ...values,
      registry: quorumRegistry,
      proofs: { ...proofs },
      orderProofs: { ...orderProofs },
    })
    verifyMs += performance.now() - started
    const { root, byToken, byOrder } = result
    const nextOf = (kind: ProofKind, item: string) => {
      const [proven, answers] =
        kind === 'balance' ? [byToken[item], proofs[item]] : [byOrder[item], orderProofs[item]]
      const askedIds = (answers ?? []).map((answer) => answer.replicaId)
      const [replicaId] = replicasToAskNext(root, proven, askedIds, reachable)
      const replica = registry.replicas.find((candidate) => candidate.id === replicaId)
      return replica === undefined ? [] : [replica]
    }
    // One answer per replica asked: its balances, and its pages for the orders it is asked for.
    const balancesOf = new Set(check.tokens.flatMap((token) => nextOf('balance', token)))
    const ordersOf = new Map<ReplicaRef, string[]>()
    for (const orderId of check.orderIds) {
      for (const replica of nextOf('order', orderId)) {
        ordersOf.set(replica, [...(ordersOf.get(replica) ?? []), orderId])
      }
    }
    if (balancesOf.size === 0 && ordersOf.size === 0) break
    await Promise.all([
      ...[...balancesOf].map((replica) => asked.askBalances(replica)),
      ...[...ordersOf].map(([replica, orderIds]) => asked.askOrders(replica, orderIds)),
    ])
  }
  return { result, verifyMs }
}
