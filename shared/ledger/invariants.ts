import { maxAmountUnits } from '../intents/index.ts'
import type { Ledger } from './ledger.ts'
import { snapshotLedger } from './snapshot.ts'

/**
 * Recomputes the ledger's invariants from scratch and lists every violation (none means
 * healthy): each token's balances sum to its supply, no balance is negative, no supply exceeds
 * uint128. Linear in the state; for tests, simulations and a replica's optional self-check.
 */
export function checkLedgerInvariants(ledger: Ledger): string[] {
  const problems: string[] = []
  const sums = new Map<string, bigint>()
  for (const { address, token, available, locked } of snapshotLedger(ledger).balances) {
    if (available < 0n || locked < 0n) problems.push(`negative balance ${address} ${token}`)
    sums.set(token, (sums.get(token) ?? 0n) + available + locked)
  }
  for (const symbol of ledger.tokens.keys()) {
    const supply = ledger.supply(symbol)
    const sum = sums.get(symbol) ?? 0n
    if (sum !== supply) problems.push(`${symbol}: balances sum to ${sum}, supply is ${supply}`)
    if (supply > maxAmountUnits) problems.push(`${symbol}: supply ${supply} exceeds uint128`)
  }
  return problems
}
