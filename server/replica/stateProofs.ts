import type { OrderProofs, ProvenBalancesResponse } from '../../shared/api/index.ts'
import type { Address } from '../../shared/intents/index.ts'
import { balanceLeaf, encodeProofHex, orderLeaf } from '../../shared/exchange/index.ts'
import { ApiError } from './apiError.ts'
import { balanceAt, requireIntactState } from './balanceAt.ts'
import { listTokens } from './readQueries.ts'
import type { ReplicaDeps } from './replicaDeps.ts'

/**
 * Every listed token's balance of `address` with its state proof, all at the index of the latest
 * state hash (`GET /balances?proof=1`, `docs/state-commitment.md`). The tree is that of the
 * latest hash until the next one, so each balance is read as of its index (from the balance
 * history when it changed since). 503 `proof_unavailable` when a balance cannot be proven there
 * now (a key of its bucket changed since, or a new hash was made meanwhile): the client retries
 * or asks another replica.
 */
export async function readProvenBalances(
  deps: ReplicaDeps,
  address: Address,
): Promise<ProvenBalancesResponse> {
  requireIntactState(deps)
  await deps.state.settled()
  const latest = deps.stateHash()
  const tokens = listTokens(deps.state).map(({ symbol }) => symbol)
  const found = await Promise.all(
    tokens.map((token) => balanceAt(deps, address, token, latest.index)),
  )
  await deps.state.settled()
  const balances = found.map(({ balance }, position) => {
    const token = tokens[position]!
    const [key, value] = balanceLeaf(address, token, balance)
    const proven = deps.state.exchange.stateProof(key, { value })
    if (proven === undefined || proven.stateHash !== latest.hash) {
      throw new ApiError('proof_unavailable', 'no proof at the latest state hash now; retry')
    }
    const { available, locked } = balance
    const proof = encodeProofHex(proven.proof)
    return { token, available: available.toString(), locked: locked.toString(), proof }
  })
  return {
    replicaId: deps.replicaId,
    address,
    index: latest.index,
    stateHash: latest.hash,
    balances,
  }
}

/**
 * The state leaves of `orderIds` with their proofs at the latest state hash (the `proofs` of
 * `GET /orders?proof=1`). Orders keep no history, so an order that changed since that hash (or
 * whose bucket did) cannot be proven at it and is left out; a client asks another replica.
 */
export async function readOrderProofs(
  deps: ReplicaDeps,
  orderIds: readonly string[],
): Promise<OrderProofs> {
  requireIntactState(deps)
  await deps.state.settled()
  const latest = deps.stateHash()
  const orders = orderIds.flatMap((orderId) => {
    const [key] = orderLeaf(orderId, undefined, undefined)
    const proven = deps.state.exchange.stateProof(key)
    if (proven === undefined || proven.stateHash !== latest.hash) return []
    return [{ orderId, value: proven.value ?? null, proof: encodeProofHex(proven.proof) }]
  })
  return { replicaId: deps.replicaId, index: latest.index, stateHash: latest.hash, orders }
}
