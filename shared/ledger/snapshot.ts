import { maxNonce, parseAddress, type Address, type TokenInfo } from '../intents/index.ts'
import { LedgerConfigError } from './errors.ts'
import { registryOf } from './genesis.ts'
import { compareStrings, Ledger, type BalanceChange, type UsedNonce } from './ledger.ts'

/**
 * The whole ledger state in canonical order: tokens by symbol, non-zero balances by address then
 * token, used nonces by signer then nonce. Two ledgers in the same state have equal snapshots
 * whatever history led there, which is what `stateHash` hashes and what storage can reload.
 */
export interface LedgerSnapshot {
  readonly tokens: readonly TokenInfo[]
  readonly issuer: Address
  readonly balances: readonly BalanceChange[]
  readonly nonces: readonly UsedNonce[]
}

/** Takes the canonical snapshot of a ledger; it does not touch the ledger's change set. */
export function snapshotLedger(ledger: Ledger): LedgerSnapshot {
  const tokens = [...ledger.tokens.values()].sort((a, b) => compareStrings(a.symbol, b.symbol))
  const balances = ledger.addresses().flatMap((address) => ledger.balancesOf(address))
  const nonces = ledger
    .signers()
    .flatMap((signer) => ledger.usedNonces(signer).map((nonce) => ({ signer, nonce })))
  return { tokens, issuer: ledger.issuer, balances, nonces }
}

/**
 * Rebuilds a ledger from a snapshot read back from storage, recomputing the supplies from the
 * balances. Storage is trusted but checked: a malformed snapshot throws `LedgerConfigError`
 * rather than loading a state no other replica has.
 */
export function restoreLedger(snapshot: LedgerSnapshot): Ledger {
  const tokens = registryOf(snapshot.tokens)
  const issuer = checkedAddress(snapshot.issuer, 'issuer')
  const ledger = new Ledger(tokens, issuer)
  for (const { address, token, available, locked } of snapshot.balances) {
    const where = `snapshot balance ${address} ${token}`
    checkedAddress(address, where)
    if (!tokens.has(token)) throw new LedgerConfigError(`${where}: unknown token`)
    if (available < 0n || locked < 0n) throw new LedgerConfigError(`${where}: negative`)
    const existing = ledger.balance(address, token)
    if (existing.available !== 0n || existing.locked !== 0n) {
      throw new LedgerConfigError(`${where}: duplicate`)
    }
    if (!ledger.mint(address, token, available + locked) || !ledger.lock(address, token, locked)) {
      throw new LedgerConfigError(`${where}: supply exceeds uint128`)
    }
  }
  for (const { signer, nonce } of snapshot.nonces) {
    const where = `snapshot nonce ${signer} ${nonce}`
    if (nonce < 0n || nonce > maxNonce) throw new LedgerConfigError(`${where}: out of range`)
    if (!ledger.useNonce(checkedAddress(signer, where), nonce)) {
      throw new LedgerConfigError(`${where}: duplicate`)
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
