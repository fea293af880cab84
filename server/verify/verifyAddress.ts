import {
  balanceProofSchema,
  orderProofSchema,
  orderResponseSchema,
  ordersPageMax,
  type BalanceProof,
  type OrderView,
} from '../../shared/api/index.ts'
import type { RootStatement } from '../../shared/attest/index.ts'
import {
  judgeBalanceProof,
  judgeOrderProof,
  splitBalanceProofs,
  splitOrderProofs,
  walkOpenOrderPages,
  type BalanceProofJudgement,
  type ProofAnswer,
} from '../../shared/exchange/index.ts'
import { rootGatherer, type QuorumRoot, type RootParameters } from './quorumRoot.ts'
import { getAnswer, getJson } from './replicaAnswer.ts'

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

export interface VerifyAddressParameters extends VerifyParameters {
  readonly address: string
}

/** How to reach and trust the replicas, whatever is checked. */
export interface VerifyParameters extends RootParameters {
  /** Ask this replica for values and proofs (default: each registry replica in turn). */
  readonly replicaUrl?: string
  /** Rounds per token while peers have not signed the proof's index yet (1 s apart). */
  readonly attempts?: number
  readonly sleep?: (ms: number) => Promise<void>
}

/**
 * Checks every registry token's balance of `address` without trusting any one replica: a
 * replica serves them all with their state proofs in one answer (`GET /balances?proof=1`),
 * every registry replica is asked for its root attestation of the answer's index
 * (`GET /root?index`), the largest agreeing group must be a quorum whose aggregate signature
 * verifies under the registry keys (`judgeRootAnswers` of `shared/attest`), and each proof must
 * lead from its value to that root (`splitBalanceProofs` and `judgeBalanceProof` of
 * `shared/exchange`, as in the web app). A value that does not match the quorum's root names the
 * replica that served it. Replicas that have not yet signed the answer's index are given
 * `attempts` rounds; then the next replica is asked.
 */
export async function verifyAddressBalances(
  parameters: VerifyAddressParameters,
  rootAt = rootGatherer(parameters),
): Promise<VerifiedBalance[]> {
  const { registry } = parameters
  const address = parameters.address.toLowerCase()
  const tokens = registry.tokens.map((token) => token.symbol)
  const { attempts, sleep } = retriesOf(parameters)
  const sources =
    parameters.replicaUrl === undefined
      ? registry.replicas.map((replica) => replica.url)
      : [parameters.replicaUrl]
  const unverified = (problem: string) =>
    tokens.map((token): VerifiedBalance => ({ token, signers: [], verified: false, problem }))
  let last = unverified('no replica asked')
  for (const url of sources) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const answer = await getAnswer(parameters, `${url}/balances?address=${address}&proof=1`)
      const body = answer.ok ? answer.body : undefined
      const replicaId = answerReplicaId(body)
      if (replicaId === undefined) {
        last = unverified(`${url}: no proofs served${answer.ok ? '' : ` (${answer.problem})`}`)
        // A replica that cannot prove the values now (503) can at its next state hash.
        if (!answer.ok && answer.retry && attempt < attempts) {
          await sleep(1_000)
          continue
        }
        break
      }
      // The replica as its answer names itself: `--replica` may be a URL the registry lacks.
      const split = splitBalanceProofs(address, tokens, { replicaId, kind: 'answer', body })
      const served = tokens.map((token) => readServedBalance(split[token]!))
      const index = served.find((answer) => answer !== undefined)?.index
      if (index === undefined) {
        last = unverified(`${url}: ${problemOf(split[tokens[0]!]!)}`)
        break
      }
      const quorum = await rootAt(index, url)
      if (!quorum.ok) {
        last = tokens.map((token, position) => ({
          ...described(token, served[position]),
          signers: [],
          verified: false,
          problem: quorum.problem,
        }))
        // Peers may not have reached or signed this index yet: ask again for fresher proofs.
        if (attempt < attempts) await sleep(1_000)
        continue
      }
      const root = { index, stateHash: quorum.root.stateHash }
      return tokens.map((token, position) => {
        const judged = judgeBalanceProof({ address, token, root, answer: split[token]! })
        const base = { ...described(token, served[position]), root: quorum.root }
        return { ...base, signers: quorum.signers, ...verdict(replicaId, judged) }
      })
    }
  }
  return last
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
 * The open orders a replica lists for `address` (its pages of `GET /orders?proof=1`, open ones
 * first, at most `provenOrderPagesMax` of them; the list itself is not proven), each checked like
 * a balance: the page's proof of it against a quorum of root attestations of the proofs' index,
 * and the proven leaf must name the address as owner (`splitOrderProofs`, `judgeOrderProof`). An
 * order that changed since the replica's latest hash, or whose root no quorum has signed yet, is
 * asked again with the whole list (`attempts`).
 */
export async function verifyOpenOrders(
  parameters: VerifyAddressParameters,
  rootAt = rootGatherer(parameters),
): Promise<{ orders: VerifiedOrder[]; truncated: boolean }> {
  const url = parameters.replicaUrl ?? parameters.registry.replicas[0]!.url
  const { attempts, sleep } = retriesOf(parameters)
  let settled = new Map<string, JudgedOrder>()
  let last: { orders: VerifiedOrder[]; truncated: boolean } = { orders: [], truncated: true }
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(1_000)
    const walked = await walkProvenOrders(parameters, url)
    if (walked === undefined) continue
    const judged: JudgedOrder[] = []
    for (const page of walked.pages) judged.push(...(await judgePage(parameters, page, rootAt)))
    // A verdict that asking again cannot change is kept for an order still listed.
    const merged = judged.map((entry) => settled.get(entry.order.orderId) ?? entry)
    last = { orders: merged.map((entry) => entry.order), truncated: walked.truncated }
    settled = new Map(merged.filter((entry) => !entry.retry).map((e) => [e.order.orderId, e]))
    if (settled.size === merged.length) break
  }
  return last
}

/** One order by id: what a replica stores of it, and what its proof shows at a quorum root. */
export interface VerifiedOrderState {
  readonly orderId: string
  /** The replica that served it. */
  readonly replicaId?: string
  /** Its stored view (status, fills, history): the replica's word, not proven. */
  readonly stored?: OrderView
  /** What the proof shows at `index`: open with the leaf `value`, or not open (no leaf). */
  readonly proven?: 'open' | 'not_open'
  readonly value?: string
  readonly index?: number
  readonly signers: readonly string[]
  readonly verified: boolean
  readonly problem?: string
}

/**
 * Checks one order without trusting any one replica (`GET /order/:id?proof=1`): its state leaf
 * at a quorum-signed root shows it open with those fields, or its absence shows it no longer open
 * (filled or cancelled, as the stored view says). A proof that does not tie the served leaf to
 * the quorum's root names the replica. Replicas are asked in turn, each for `attempts` rounds
 * while no quorum has signed the proof's index yet.
 */
export async function verifyOrder(
  parameters: VerifyParameters,
  orderId: string,
  rootAt = rootGatherer(parameters),
): Promise<VerifiedOrderState> {
  const id = orderId.toLowerCase()
  const { attempts, sleep } = retriesOf(parameters)
  const sources =
    parameters.replicaUrl === undefined
      ? parameters.registry.replicas.map((replica) => replica.url)
      : [parameters.replicaUrl]
  let last: VerifiedOrderState = {
    orderId: id,
    signers: [],
    verified: false,
    problem: 'no replica asked',
  }
  for (const url of sources) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const served = await getAnswer(parameters, `${url}/order/${id}?proof=1`)
      const parsed = orderResponseSchema.safeParse(served.ok ? served.body : undefined)
      const proof = parsed.success ? parsed.data.proof : undefined
      if (!parsed.success || proof === undefined || proof.orderId !== id) {
        const why = served.ok ? '' : ` (${served.problem})`
        last = {
          orderId: id,
          signers: [],
          verified: false,
          problem: `${url}: no proof served${why}`,
        }
        // A replica that cannot prove the order now (503) can at its next state hash.
        if (!served.ok && served.retry && attempt < attempts) {
          await sleep(1_000)
          continue
        }
        break
      }
      const { replicaId, index, value } = proof
      const seen = {
        orderId: id,
        replicaId,
        stored: parsed.data.order,
        index,
        ...(value === null ? {} : { value }),
      }
      const quorum = await rootAt(index, url)
      if (!quorum.ok) {
        last = { ...seen, signers: [], verified: false, problem: quorum.problem }
        if (attempt < attempts) await sleep(1_000)
        continue
      }
      const root = { index, stateHash: quorum.root.stateHash }
      // The owner a leaf names is the one its proof is checked with: an open leaf of anyone.
      const owner = value?.split(' ')[3] ?? parsed.data.order.owner
      const answer = { replicaId, kind: 'answer' as const, body: proof }
      const judged = judgeOrderProof({ orderId: id, owner, root, answer })
      const signers = quorum.signers
      if (judged.ok) return { ...seen, proven: 'open', signers, verified: true }
      if (judged.refusal === 'not_open' && value === null) {
        return { ...seen, proven: 'not_open', signers, verified: true }
      }
      const problem =
        judged.refusal === 'false_value'
          ? `${replicaId} served an order its proof does not tie to the root (${judged.reason})`
          : `${replicaId}: ${judged.detail}`
      return { ...seen, signers, verified: false, problem }
    }
  }
  return last
}

/** How many rounds to ask a replica, and how to wait between them (tests pass their own). */
function retriesOf(parameters: VerifyParameters) {
  return {
    attempts: parameters.attempts ?? 5,
    sleep:
      parameters.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  }
}

/** An order's verdict, and whether asking the same replica again may change it. */
interface JudgedOrder {
  readonly order: VerifiedOrder
  readonly retry: boolean
}

/**
 * `address`'s pages of `GET /orders?proof=1` from `url`, following `next` while a page holds
 * open orders only (open ones come first), up to `provenOrderPagesMax`; undefined when a page is
 * not served. `truncated` when more open orders may follow the last page read.
 */
async function walkProvenOrders(
  parameters: VerifyAddressParameters,
  url: string,
): Promise<{ pages: ProofAnswer[]; truncated: boolean } | undefined> {
  const address = parameters.address.toLowerCase()
  const walked = await walkOpenOrderPages(async (cursor): Promise<ProofAnswer> => {
    const query = `address=${address}&limit=${ordersPageMax}&proof=1`
    const more = cursor === undefined ? '' : `&cursor=${cursor}`
    const body = await getJson(parameters, `${url}/orders?${query}${more}`)
    const replicaId = answerReplicaId((body as { proofs?: unknown } | undefined)?.proofs)
    if (replicaId === undefined)
      return { replicaId: url, kind: 'unavailable', message: 'no proofs' }
    return { replicaId, kind: 'answer', body }
  })
  return walked.pages.every((page) => page.kind === 'answer') ? walked : undefined
}

/** The verdict on each order of one proven page, against the quorum root of its proofs' index. */
async function judgePage(
  parameters: VerifyAddressParameters,
  page: ProofAnswer,
  rootAt: (index: number, servedBy?: string) => Promise<QuorumRoot>,
): Promise<JudgedOrder[]> {
  const split = splitOrderProofs(parameters.address, page)
  const verdicts: JudgedOrder[] = []
  for (const [orderId, answer] of Object.entries(split)) {
    const parsed = orderProofSchema.safeParse(answer.kind === 'answer' ? answer.body : undefined)
    if (!parsed.success) {
      const problem = `${page.replicaId}: ${problemOf(answer)}`
      verdicts.push({ order: { orderId, signers: [], verified: false, problem }, retry: true })
      continue
    }
    const { index, value } = parsed.data
    const seen = { orderId, index, ...(value === null ? {} : { value }) }
    const quorum = await rootAt(index)
    if (!quorum.ok) {
      const problem = quorum.problem
      verdicts.push({ order: { ...seen, signers: [], verified: false, problem }, retry: true })
      continue
    }
    const root = { index, stateHash: quorum.root.stateHash }
    const judged = judgeOrderProof({ orderId, owner: parameters.address, root, answer })
    const signers = quorum.signers
    if (judged.ok) {
      verdicts.push({ order: { ...seen, signers, verified: true }, retry: false })
      continue
    }
    const problem =
      judged.refusal === 'false_value'
        ? `${page.replicaId} served an order its proof does not tie to the root (${judged.reason})`
        : judged.detail
    verdicts.push({ order: { ...seen, signers, verified: false, problem }, retry: false })
  }
  return verdicts
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

function described(token: string, answer: BalanceProof | undefined) {
  if (answer === undefined) return { token }
  return {
    token,
    replicaId: answer.replicaId,
    available: BigInt(answer.available),
    locked: BigInt(answer.locked),
    index: answer.index,
  }
}

/** One token's part of a proven `/balances` answer, when it has one. */
function readServedBalance(answer: ProofAnswer): BalanceProof | undefined {
  if (answer.kind !== 'answer') return undefined
  const parsed = balanceProofSchema.safeParse(answer.body)
  return parsed.success ? parsed.data : undefined
}

/** The replica id an answer (or its `proofs`) names, if it names one. */
function answerReplicaId(body: unknown): string | undefined {
  const replicaId = (body as { replicaId?: unknown } | undefined)?.replicaId
  return typeof replicaId === 'string' ? replicaId : undefined
}

function problemOf(answer: ProofAnswer): string {
  return answer.kind === 'answer' ? 'malformed proof' : answer.message
}
