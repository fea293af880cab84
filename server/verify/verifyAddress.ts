import {
  balanceProofResponseSchema,
  type BalanceProofResponse,
  type ReplicaRegistry,
} from '../../shared/api/index.ts'
import {
  groupRootAnswers,
  verifyRootQuorum,
  type BlsVerifier,
  type RootStatement,
} from '../../shared/attest/index.ts'
import { balanceLeaf, verifyExchangeStateProof } from '../../shared/exchange/index.ts'

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
 * (`verifyRootQuorum`), and the proof must lead from the value to that root
 * (`verifyExchangeStateProof`). A value that does not match the quorum's root names the replica
 * that served it. Replicas that have not yet signed the proof's index are given `attempts`
 * rounds; then the next replica is asked for a proof.
 */
export async function verifyAddressBalances(
  parameters: VerifyAddressParameters,
): Promise<VerifiedBalance[]> {
  const { registry } = parameters
  const roots = new Map<number, Promise<QuorumRoot>>()
  // One gathering per index for all tokens; a failed one is not kept, so a retry asks again.
  const rootAt = async (index: number) => {
    let found = roots.get(index)
    if (found === undefined) {
      found = gatherRoot(parameters, index)
      roots.set(index, found)
    }
    const result = await found
    if (!result.ok) roots.delete(index)
    return result
  }
  const results: VerifiedBalance[] = []
  for (const { symbol } of registry.tokens) {
    results.push(await verifyToken(parameters, symbol, rootAt))
  }
  return results
}

type QuorumRoot =
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
      return checkProof(answer, quorum, address, token)
    }
  }
  return last
}

/** The proof against the quorum's root: the value is rebuilt here, never taken as given. */
function checkProof(
  answer: BalanceProofResponse,
  quorum: Extract<QuorumRoot, { ok: true }>,
  address: string,
  token: string,
): VerifiedBalance {
  const balance = { available: BigInt(answer.available), locked: BigInt(answer.locked) }
  const [key, value] = balanceLeaf(address.toLowerCase(), token, balance)
  const stateHash = quorum.root.stateHash
  const proof = verifyExchangeStateProof({ key, value, proof: answer.proof, stateHash })
  const base = { ...described(answer), root: quorum.root, signers: quorum.signers }
  if (proof.ok) return { ...base, verified: true }
  const problem = `${answer.replicaId} served a value its proof does not tie to the quorum root (${proof.reason})`
  return { ...base, verified: false, problem }
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

/** Every registry replica's root attestation of `index`, and the quorum among them, if any. */
async function gatherRoot(parameters: VerifyAddressParameters, index: number): Promise<QuorumRoot> {
  const { registry, bls } = parameters
  const answers = await Promise.all(
    registry.replicas.map((replica) => getJson(parameters, `${replica.url}/root?index=${index}`)),
  )
  const group = groupRootAnswers(answers, index)[0] ?? []
  const result = verifyRootQuorum({ registry, index, attestations: group, bls })
  if (result.ok) return result
  const signed = `${group.length} of ${registry.replicas.length} replicas signed index ${index}`
  return { ok: false, problem: `${signed}, quorum ${registry.quorum}: ${result.reason}` }
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
