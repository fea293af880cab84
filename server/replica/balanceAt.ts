import { ApiError, rejection } from './apiError.ts'
import type { AttestedPosition } from './balanceSigner.ts'
import { requireNotDiverged } from './middleware/whileDiverged.ts'
import type { ReplicaDeps } from './replicaDeps.ts'

/**
 * 503 `replica_halted` once a failed commit left memory ahead of the database: whatever this
 * replica would sign now may be a state that never existed at any index. 503 `replica_diverged`
 * while a quorum of its peers signed another root than its own (`DivergenceWatch`): its state
 * is one nobody else has, until state sync replaces it.
 */
export function requireIntactState(deps: ReplicaDeps): void {
  requireNotDiverged(deps.divergence)
  if (deps.state.halted === undefined) return
  throw new ApiError(
    'replica_halted',
    'this replica stopped signing after a failed commit and is restarting; ask another replica',
  )
}

/**
 * The balance of (address, token) as of `index` (default: the applied index) and the position it
 * is signed at, with Zellular's chaining hash of that index: both from memory at the applied
 * index (once no commit is in flight), both from the storage below it (balance history,
 * chaining hashes); 409 `index_ahead` above it; 404 `pruned` below the balance history the
 * retention keeps (`prunedBalances`); 404 `chaining_hash_unknown` for an index
 * applied before the store kept chaining hashes (such a balance cannot be bound to its history,
 * so it is not signed).
 */
export async function balanceAt(
  deps: ReplicaDeps,
  address: string,
  token: string,
  index: number | undefined,
): Promise<{ balance: { available: bigint; locked: bigint }; at: AttestedPosition }> {
  await deps.state.settled()
  requireIntactState(deps)
  const position = deps.state.position
  if (index === undefined || index === position.index) {
    return { balance: deps.state.exchange.ledger.balance(address, token), at: position }
  }
  if (index > position.index) {
    throw rejection('index_ahead', 'index', `applied index is ${position.index}`)
  }
  const storage = deps.state.storage
  const [chainingHash, balance] = await Promise.all([
    storage.chainingHashAt(index),
    storage.balanceAt(address, token, index),
  ])
  if ('prunedBelow' in balance) throw prunedBalances(balance.prunedBelow)
  if (chainingHash === undefined) throw rejection('chaining_hash_unknown', 'index')
  return { balance, at: { index, chainingHash } }
}

/**
 * The refusal of a balance at an index whose history the retention pruned
 * (`REPLICA_HISTORY_RETAIN_BATCHES`): the balances of batches from `prunedBelow` on are kept.
 */
export function prunedBalances(prunedBelow: number): ApiError {
  const message = `balances before batch ${prunedBelow} are pruned; ask at a later index`
  return new ApiError('pruned', message, 'index')
}
