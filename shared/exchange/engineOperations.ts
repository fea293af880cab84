import type {
  CancelAllOrdersParameters,
  CancelOrderParameters,
  MatchingEngine,
  PlaceOrderParameters,
} from '../orderbook/index.ts'
import type { EscrowAccounts } from '../ledger/index.ts'

/**
 * A matching-engine operation that was accepted. Replaying the accepted operations in order on
 * an empty engine rebuilds its books exactly (levels, time priority, sequence numbers), because
 * the engine's outcome depends on balances only through the escrow lock, which an accepted
 * operation passed.
 */
export type EngineOperation =
  | { readonly kind: 'place'; readonly order: PlaceOrderParameters }
  | { readonly kind: 'cancel'; readonly cancel: CancelOrderParameters }
  | { readonly kind: 'cancelAll'; readonly cancelAll: CancelAllOrdersParameters }

/**
 * The escrow the engine is built with: it forwards to the ledger, or during a replay accepts
 * everything and moves nothing (the ledger is restored from storage separately).
 */
export class SwitchableEscrow implements EscrowAccounts {
  replaying = false

  constructor(private readonly target: EscrowAccounts) {}

  available(address: string, token: string): bigint {
    return this.target.available(address, token)
  }

  locked(address: string, token: string): bigint {
    return this.target.locked(address, token)
  }

  lock(address: string, token: string, amount: bigint): boolean {
    return this.replaying || this.target.lock(address, token, amount)
  }

  unlock(address: string, token: string, amount: bigint): void {
    if (!this.replaying) this.target.unlock(address, token, amount)
  }

  transferLocked(from: string, to: string, token: string, amount: bigint): void {
    if (!this.replaying) this.target.transferLocked(from, to, token, amount)
  }
}

/**
 * Replays accepted operations on an engine whose escrow is in replay mode. An operation that
 * the engine now rejects means storage does not match the history: it throws.
 */
export function replayEngineOperations(
  engine: MatchingEngine,
  escrow: SwitchableEscrow,
  operations: Iterable<EngineOperation>,
): void {
  escrow.replaying = true
  try {
    for (const operation of operations) {
      const result =
        operation.kind === 'place'
          ? engine.place(operation.order)
          : operation.kind === 'cancel'
            ? engine.cancel(operation.cancel)
            : engine.cancelAll(operation.cancelAll)
      if (!result.ok) {
        throw new Error(`engine replay: ${operation.kind} rejected (${result.reason})`)
      }
    }
  } finally {
    escrow.replaying = false
  }
}
