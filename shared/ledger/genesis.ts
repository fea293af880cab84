import { z } from 'zod'
import {
  createTokenRegistry,
  parseAddress,
  parseAmount,
  parseToken,
  type TokenRegistry,
} from '../intents/index.ts'
import { LedgerConfigError } from './errors.ts'
import { Ledger } from './ledger.ts'

/**
 * Zod schema of the genesis configuration file, as written by the launcher. Amounts are decimal
 * strings in token units (`"1000.5"`), like everywhere a person reads or writes them.
 */
export const ledgerGenesisSchema = z.strictObject({
  /** The only address whose `mint` intents apply (the faucet). */
  issuer: z.string(),
  tokens: z.array(z.strictObject({ symbol: z.string(), decimals: z.number().int() })),
  /** Initial available balances; they make up the initial supply. */
  balances: z.array(z.strictObject({ address: z.string(), token: z.string(), amount: z.string() })),
})

/** The genesis configuration: tokens, issuer and initial balances. */
export type LedgerGenesis = z.infer<typeof ledgerGenesisSchema>

/**
 * Builds the ledger at index 0 from the genesis configuration, with every initial balance
 * minted (so it counts in the supply) and no nonce used. Every replica must start from the same
 * genesis. A bad genesis throws `LedgerConfigError`: it is the operator's mistake to fix.
 */
export function createLedger(genesis: LedgerGenesis): Ledger {
  const tokens = registryOf(genesis.tokens)
  const issuer = parseAddress(genesis.issuer)
  if (!issuer.ok) throw new LedgerConfigError(`genesis issuer: ${issuer.reason}`)
  const ledger = new Ledger(tokens, issuer.value)
  const seen = new Set<string>()
  for (const [index, entry] of genesis.balances.entries()) {
    const where = `genesis balance ${index}`
    const address = parseAddress(entry.address)
    if (!address.ok) throw new LedgerConfigError(`${where}: ${address.reason}`)
    const token = parseToken(tokens, entry.token)
    if (!token.ok) throw new LedgerConfigError(`${where}: ${token.reason}`)
    const amount = parseAmount(entry.amount, token.value.decimals)
    if (!amount.ok) throw new LedgerConfigError(`${where}: ${amount.reason}`)
    const key = `${address.value}/${token.value.symbol}`
    if (seen.has(key)) throw new LedgerConfigError(`${where}: duplicate ${key}`)
    seen.add(key)
    if (!ledger.mint(address.value, token.value.symbol, amount.value)) {
      throw new LedgerConfigError(`${where}: supply of ${entry.token} exceeds uint128`)
    }
  }
  // Genesis is the starting point that storage is created from, not a change to it.
  ledger.takeChanges()
  return ledger
}

/** The registry, with its configuration errors reported as `LedgerConfigError`. */
export function registryOf(
  tokens: readonly { readonly symbol: string; readonly decimals: number }[],
): TokenRegistry {
  try {
    return createTokenRegistry(tokens)
  } catch (error) {
    throw new LedgerConfigError(`tokens: ${(error as Error).message}`, { cause: error })
  }
}
