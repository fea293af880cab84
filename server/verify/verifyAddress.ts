import {
  balanceProofResponseSchema,
  orderProofResponseSchema,
  ordersResponseSchema,
  type BalanceProofResponse,
  type ReplicaRegistry,
} from '../../shared/api/index.ts'
import {
  judgeRootAnswers,
  type BlsVerifier,
  type RootJudgement,
  type RootStatement,
} from '../../shared/attest/index.ts'
import {
  judgeBalanceProof,
  judgeOrderProof,
  type BalanceProofJudgement,
} from '../../shared/exchange/index.ts'

/** One token's balance of the address, and whether it is proven. */
export interface VerifiedBalance {
  readonly token: string
  /** The replica that served the value and its proof. */
  readonly replicaId?: string
  readonly available?: bigint
  readonly locked?: bigint
  /** The index the value is proven at, and its root. */
  readonly index?: number
  readonly root?: RootStatement
  /** The replicas whose root attestations make the quorum. */
  readonly signers: readonly string[]
  readonly verified: boolean
  /** Why not, when not verified. */
  readonly problem?: string
}

export interface VerifyAddressParameters {
  /** The trust root (ids, keys, quorum, URLs, tokens), from the caller's own file. */
  readonly registry: ReplicaRegistry
  readonly address: string
  /** Ask this replica for values and proofs (default: each registry replica in turn). */
  readonly replicaUrl?: string
  readonly bls: BlsVerifier
  readonly fetch?: typeof fetch
  /** Per request, in ms. */
  readonly timeoutMs?: number
  /** Rounds per token while peers have not signed the proof's index yet (1 s apart). */
  readonly attempts?: number
  readonly sleep?: (ms: number) => Promise<void>
}

/**
 * Checks every registry token's balance of `address` without trusting any one replica: a
 * replica serves the value with its state proof (`GET /balance_proof`), every registry replica
 * is asked for its root attestation of the proof's index (`GET /root?index`), the largest
 * agreeing group must be a quorum whose aggregate signature verifies under the registry keys
 * (`judgeRootAnswers` of `shared/attest`), and the proof must lead from the value to that root
 * (`judgeBalanceProof` of `shared/exchange`, as in the web app). A value that does not match the
 * quorum's root names the replica that served it. Replicas that have not yet signed the proof's
 * index are given `attempts` rounds; then the next replica is asked for a proof.
 */
export async function verifyAddressBalances(
  parameters: VerifyAddressParameters,
  rootAt = rootGatherer(parameters),
): Promise<VerifiedBalance[]> {
  const results: VerifiedBalance[] = []
  for (const { symbol } of parameters.registry.tokens) {
    results.push(await verifyToken(parameters, symbol, rootAt))
  }
  return results
}

/** One open order of the address, and whether it is proven open with these fields. */
export interface VerifiedOrder {
  readonly orderId: string
  /** The order's state leaf (`market side priceTicks owner type lots originalLots …`). */
  readonly value?: string
  readonly index?: number
  readonly signers: readonly string[]
  readonly verified: boolean
  readonly problem?: string
}

/**
 * The open orders a replica lists for `address` (its first page of `GET /orders`, at most 100:
 * the list itself is not proven), each checked like a balance: `GET /order_proof` against a
 * quorum of root attestations of the proof's index, and the proven leaf must name the address as
 * owner (`judgeOrderProof`). An order that changed since the replica's latest hash is asked
 * again (`attempts`).
 */
export async function verifyOpenOrders(
  parameters: VerifyAddressParameters,
  rootAt = rootGatherer(parameters),
): Promise<{ orders: VerifiedOrder[]; truncated: boolean }> {
  const url = parameters.replicaUrl ?? parameters.registry.replicas[0]!.url
  const address = parameters.address.toLowerCase()
  const listed = ordersResponseSchema.safeParse(
    await getJson(parameters, `${url}/orders?address=${address}&limit=100`),
  )
  if (!listed.success) return { orders: [], truncated: true }
  const open = listed.data.orders.filter((order) => order.status === 'open')
  const orders: VerifiedOrder[] = []
  for (const { orderId } of open) orders.push(await verifyOrder(parameters, url, orderId, rootAt))
  return { orders, truncated: listed.data.next !== null }
}

async function verifyOrder(
  parameters: VerifyAddressParameters,
  url: string,
  orderId: string,
  rootAt: (index: number) => Promise<QuorumRoot>,
): Promise<VerifiedOrder> {
  const attempts = parameters.attempts ?? 5
  const sleep = parameters.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  let last: VerifiedOrder = { orderId, signers: [], verified: false, problem: 'no proof served' }
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(1_000)
    const body = await getJson(parameters, `${url}/order_proof?orderId=${orderId}`)
    const parsed = orderProofResponseSchema.safeParse(body)
    if (!parsed.success || parsed.data.orderId !== orderId) continue
    const answer = parsed.data
    const value = answer.value ?? undefined
    const quorum = await rootAt(answer.index)
    const seen = { orderId, index: answer.index, ...(value === undefined ? {} : { value }) }
    if (!quorum.ok) {
      last = { ...seen, signers: [], verified: false, problem: quorum.problem }
      continue
    }
    const judged = judgeOrderProof({
      orderId,
      owner: parameters.address,
      root: { index: answer.index, stateHash: quorum.root.stateHash },
      answer: { replicaId: answer.replicaId, kind: 'answer', body },
    })
    const signers = quorum.signers
    if (judged.ok) return { ...seen, signers, verified: true }
    const problem =
      judged.refusal === 'false_value'
        ? `${answer.replicaId} served an order its proof does not tie to the root (${judged.reason})`
        : judged.detail
    return { ...seen, signers, verified: false, problem }
  }
  return last
}

/**
 * Fetches and checks the quorum root of an index once for every value proven there; a failed
 * gathering is not kept, so a retry asks again.
 */
export function rootGatherer(
  parameters: VerifyAddressParameters,
): (index: number) => Promise<QuorumRoot> {
  const roots = new Map<number, Promise<QuorumRoot>>()
  return async (index) => {
    let found = roots.get(index)
    if (found === undefined) {
      found = gatherRoot(parameters, index)
      roots.set(index, found)
    }
    const result = await found
    if (!result.ok) roots.delete(index)
    return result
  }
}

export type QuorumRoot =
  | { readonly ok: true; readonly root: RootStatement; readonly signers: readonly string[] }
  | { readonly ok: false; readonly problem: string }

async function verifyToken(
  parameters: VerifyAddressParameters,
  token: string,
  rootAt: (index: number) => Promise<QuorumRoot>,
): Promise<VerifiedBalance> {
  const { registry, address } = parameters
  const attempts = parameters.attempts ?? 5
  const sleep = parameters.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
  const sources =
    parameters.replicaUrl === undefined
      ? registry.replicas.map((replica) => replica.url)
      : [parameters.replicaUrl]
  let last: VerifiedBalance = { token, signers: [], verified: false, problem: 'no replica asked' }
  for (const url of sources) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const query = `address=${address}&token=${token}`
      const body = await getJson(parameters, `${url}/balance_proof?${query}`)
      const parsed = balanceProofResponseSchema.safeParse(body)
      if (!parsed.success) {
        last = { token, signers: [], verified: false, problem: `${url}: no proof served` }
        break
      }
      const answer = parsed.data
      const quorum = await rootAt(answer.index)
      if (!quorum.ok) {
        last = { ...described(answer), verified: false, signers: [], problem: quorum.problem }
        // Peers may not have reached or signed this index yet: ask again for a fresher proof.
        if (attempt < attempts) await sleep(1_000)
        continue
      }
      const judged = judgeBalanceProof({
        address,
        token,
        root: { index: answer.index, stateHash: quorum.root.stateHash },
        // The replica as its answer names itself: `--replica` may be a URL the registry lacks.
        answer: { replicaId: answer.replicaId, kind: 'answer', body },
      })
      const base = { ...described(answer), root: quorum.root, signers: quorum.signers }
      return { ...base, ...verdict(answer.replicaId, judged) }
    }
  }
  return last
}

/**
 * The verdict of `judgeBalanceProof` (which rebuilds the leaf from the served amounts, never
 * taking the replica's leaf as given), in this command's words.
 */
function verdict(
  replicaId: string,
  judged: BalanceProofJudgement,
): { verified: boolean; problem?: string } {
  if (judged.ok) return { verified: true }
  if (judged.refusal === 'false_value') {
    const problem = `${replicaId} served a value its proof does not tie to the quorum root (${judged.reason})`
    return { verified: false, problem }
  }
  return { verified: false, problem: `${replicaId}: ${judged.detail}` }
}

function described(answer: BalanceProofResponse) {
  return {
    token: answer.token,
    replicaId: answer.replicaId,
    available: BigInt(answer.available),
    locked: BigInt(answer.locked),
    index: answer.index,
  }
}

/**
 * Every registry replica's root attestation of `index`, and the quorum among them, if any
 * (`judgeRootAnswers`: a replica that signed another root, a bad signature or an attestation of
 * another domain is left out of the aggregate and named).
 */
async function gatherRoot(parameters: VerifyAddressParameters, index: number): Promise<QuorumRoot> {
  const { registry, bls } = parameters
  const answers = await Promise.all(
    registry.replicas.map(async (replica) => {
      const body = await getJson(parameters, `${replica.url}/root?index=${index}`)
      const replicaId = replica.id
      return body === undefined
        ? { replicaId, kind: 'unreachable' as const, message: 'no root attestation served' }
        : { replicaId, kind: 'answer' as const, body }
    }),
  )
  const judged = judgeRootAnswers({ registry, index, answers, bls })
  if (judged.verified && judged.root !== undefined) {
    return { ok: true, root: judged.root, signers: judged.signers }
  }
  return { ok: false, problem: rootProblem(judged, registry.replicas.length) }
}

/**
 * Why no quorum root: how many replicas signed the index, the quorum, why the aggregate was not
 * taken, and each replica that answered with a bad signature, another root or an invalid answer.
 */
function rootProblem(judged: RootJudgement, replicas: number): string {
  const signed = judged.replicas.filter((line) => line.status === 'signed').length
  const reason =
    judged.aggregate === 'invalid'
      ? 'bad_signature'
      : signed >= judged.quorum
        ? 'disagreeing_roots'
        : 'below_quorum'
  const named = judged.replicas
    .filter((line) => !['signed', 'behind', 'unreachable'].includes(line.status))
    .map((line) => `${line.replicaId} ${line.status}: ${line.detail}`)
  const problem = `${signed} of ${replicas} replicas signed index ${judged.index}, quorum ${judged.quorum}: ${reason}`
  return named.length === 0 ? problem : `${problem} (${named.join('; ')})`
}

/** A JSON body, or undefined on any failure (refused, timeout, non-2xx, not JSON, > 1 MB). */
async function getJson(parameters: VerifyAddressParameters, url: string): Promise<unknown> {
  const doFetch = parameters.fetch ?? globalThis.fetch
  try {
    const response = await doFetch(url, {
      signal: AbortSignal.timeout(parameters.timeoutMs ?? 5_000),
    })
    if (!response.ok) return undefined
    const text = await response.text()
    return text.length > 1_000_000 ? undefined : (JSON.parse(text) as unknown)
  } catch {
    return undefined
  }
}
