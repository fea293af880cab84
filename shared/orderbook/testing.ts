/**
 * Test support: a small in-memory {@link EscrowAccounts}. The real ledger implements the same
 * interface; this one exists so the engine can be tested (and benchmarked) on its own.
 */
import type { EscrowAccounts } from '../ledger/index.ts'
import { BaseError } from '../errors/index.ts'
import { defineMarket, type Market } from './markets.ts'

/**
 * A market on the unit grid, for engine tests: no decimals, a lot of one base unit, a tick worth
 * one quote unit per lot, so lots and ticks read as amounts; orders from one lot.
 * @param id - `BASE/QUOTE`, which also names the two tokens.
 */
export function defineUnitMarket(
  id: string,
  limits: { readonly maxLots: number; readonly maxPriceTicks: number },
): Market {
  const [base = '', quote = ''] = id.split('/')
  return defineMarket({
    id,
    base,
    quote,
    baseDecimals: 0,
    quoteDecimals: 0,
    tickQuoteUnitsPerLot: 1n,
    lotBaseUnits: 1n,
    minLots: 1,
    ...limits,
  })
}

/** One account's balance of one token. */
type Balance = { available: bigint; locked: bigint }

/** Raised when an escrow call would break an invariant (the engine asked for more than locked). */
class EscrowInvariantError extends BaseError {
  override name = 'EscrowInvariantError' as const
}

/** In-memory balances keyed by address, then token. Amounts never go negative. */
export class InMemoryEscrow implements EscrowAccounts {
  private readonly accounts = new Map<string, Map<string, Balance>>()

  /** Credits `amount` to `address`'s available balance (test setup). */
  deposit(address: string, token: string, amount: bigint): void {
    if (amount < 0n) throw new EscrowInvariantError('negative deposit')
    this.balance(address, token).available += amount
  }

  available(address: string, token: string): bigint {
    return this.accounts.get(address)?.get(token)?.available ?? 0n
  }

  locked(address: string, token: string): bigint {
    return this.accounts.get(address)?.get(token)?.locked ?? 0n
  }

  lock(address: string, token: string, amount: bigint): boolean {
    if (amount < 0n) throw new EscrowInvariantError('negative lock')
    const balance = this.accounts.get(address)?.get(token)
    if (balance === undefined || balance.available < amount) return false
    balance.available -= amount
    balance.locked += amount
    return true
  }

  unlock(address: string, token: string, amount: bigint): void {
    const balance = this.balance(address, token)
    if (amount < 0n || balance.locked < amount) {
      throw new EscrowInvariantError(`unlock ${amount} > locked ${balance.locked} of ${address}`)
    }
    balance.locked -= amount
    balance.available += amount
  }

  transferLocked(from: string, to: string, token: string, amount: bigint): void {
    const source = this.balance(from, token)
    if (amount < 0n || source.locked < amount) {
      throw new EscrowInvariantError(`transfer ${amount} > locked ${source.locked} of ${from}`)
    }
    source.locked -= amount
    this.balance(to, token).available += amount
  }

  /** The sum of available and locked balances of `token` over every account. */
  totalSupply(token: string): bigint {
    let total = 0n
    for (const tokens of this.accounts.values()) {
      const balance = tokens.get(token)
      if (balance !== undefined) total += balance.available + balance.locked
    }
    return total
  }

  /** Every balance, sorted by address then token, as `address|token|available|locked` lines. */
  listBalances(): string[] {
    const lines: string[] = []
    for (const [address, tokens] of this.accounts) {
      for (const [token, balance] of tokens) {
        lines.push(`${address}|${token}|${balance.available}|${balance.locked}`)
      }
    }
    return lines.sort()
  }

  private balance(address: string, token: string): Balance {
    let tokens = this.accounts.get(address)
    if (tokens === undefined) {
      tokens = new Map()
      this.accounts.set(address, tokens)
    }
    let balance = tokens.get(token)
    if (balance === undefined) {
      balance = { available: 0n, locked: 0n }
      tokens.set(token, balance)
    }
    return balance
  }
}

/**
 * An {@link InMemoryEscrow} with initial available balances.
 * @example createInMemoryEscrow([['0xa…', 'USDT', 1_000_000n]])
 */
export function createInMemoryEscrow(
  deposits: readonly (readonly [address: string, token: string, amount: bigint])[] = [],
): InMemoryEscrow {
  const escrow = new InMemoryEscrow()
  for (const [address, token, amount] of deposits) escrow.deposit(address, token, amount)
  return escrow
}
