import { parseAddress, type Address, type TokenInfo } from '../intents/index.ts'
import { LedgerConfigError } from './errors.ts'
import { registryOf } from './genesis.ts'
import {
  compareStrings,
  Ledger,
  type BalanceChange,
  type NonceWindow,
  type NonceWindowText,
} from './ledger.ts'
import { nonceWindowSize } from './nonceWindow.ts'

/**
 * The whole ledger state in canonical order: tokens by symbol, non-zero balances by address then
 * token, each signer's window of kept nonces (at most `nonceWindowSize`, never the whole
 * history; ascending) by signer. Two ledgers in the same state have equal snapshots whatever
 * history led there, which is what `stateHash` hashes and what storage can reload.
 */
export interface LedgerSnapshot {
  readonly tokens: readonly TokenInfo[]
  readonly issuer: Address
  readonly balances: readonly BalanceChange[]
  readonly nonceWindows: readonly NonceWindow[]
}

/**
 * A snapshot as storage reads it back: in any order, and a window may come as its stored text
 * (`NonceWindowText`), which the ledger keeps unparsed until the window is used.
 */
export interface StoredLedger extends Omit<LedgerSnapshot, 'nonceWindows'> {
  readonly nonceWindows: readonly (NonceWindow | NonceWindowText)[]
}

/** Takes the canonical snapshot of a ledger; it does not touch the ledger's change set. */
export function snapshotLedger(ledger: Ledger): LedgerSnapshot {
  const tokens = [...ledger.tokens.values()].sort((a, b) => compareStrings(a.symbol, b.symbol))
  const balances = ledger.addresses().flatMap((address) => ledger.balancesOf(address))
  const nonceWindows = ledger
    .signers()
    .map((signer) => ({ signer, nonces: [...ledger.keptNonces(signer)] }))
  return { tokens, issuer: ledger.issuer, balances, nonceWindows }
}

/**
 * Rebuilds a ledger from a snapshot read back from storage, recomputing the supplies from the
 * balances. Storage is trusted but checked: a malformed snapshot throws `LedgerConfigError`
 * rather than loading a state no other replica has.
 */
export function restoreLedger(snapshot: StoredLedger): Ledger {
  const tokens = registryOf(snapshot.tokens)
  const issuer = checkedAddress(snapshot.issuer, 'issuer')
  const ledger = new Ledger(tokens, issuer)
  // Each key is checked once, by the ledger's restore methods (canonical address, known token,
  // amounts in range), rather than once per ledger operation a credit and a lock would be.
  for (const { address, token, available, locked } of snapshot.balances) {
    try {
      ledger.restoreBalance(address, token, available, locked)
    } catch (error) {
      throw new LedgerConfigError(`snapshot balance ${address} ${token}`, { cause: error })
    }
  }
  for (const window of snapshot.nonceWindows) {
    const where = `snapshot nonce window ${window.signer}`
    if ('text' in window) {
      try {
        ledger.restoreNonceWindowText(window.signer, window.text)
      } catch (error) {
        throw new LedgerConfigError(where, { cause: error })
      }
      continue
    }
    const { signer, nonces } = window
    if (nonces.length > nonceWindowSize) {
      throw new LedgerConfigError(`${where}: more than ${nonceWindowSize} nonces`)
    }
    if (nonces.length > 0 && nonces[0]! < 0n) throw new LedgerConfigError(`${where}: negative`)
    try {
      ledger.restoreNonceWindow(signer, nonces)
    } catch (error) {
      throw new LedgerConfigError(where, { cause: error })
    }
  }
  // Loading is not a change: storage already holds all of it.
  ledger.takeChanges()
  return ledger
}

function checkedAddress(text: string, where: string): Address {
  const address = parseAddress(text)
  if (!address.ok || address.value !== text) {
    throw new LedgerConfigError(`${where}: address ${text} is not canonical`)
  }
  return address.value
}
