/**
 * The escrow interface the matching engine needs from the ledger. The ledger implements it; the
 * orderbook only talks to balances through it, so the two pure modules stay independent.
 * All amounts are integer base units.
 */
export interface EscrowAccounts {
  /** Spendable balance (not locked by open orders). */
  available(address: string, token: string): bigint
  /** Balance locked by open orders. */
  locked(address: string, token: string): bigint
  /** Move `amount` from available to locked. Returns false (and changes nothing) if short. */
  lock(address: string, token: string, amount: bigint): boolean
  /** Move `amount` from locked back to available. Throws if more than locked (broken invariant). */
  unlock(address: string, token: string, amount: bigint): void
  /** Move `amount` from `from`'s locked balance to `to`'s available balance (a fill). */
  transferLocked(from: string, to: string, token: string, amount: bigint): void
}
