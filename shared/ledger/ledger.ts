import {
  isCanonicalAddress,
  maxAmountUnits,
  maxNonce,
  type Address,
  type TokenInfo,
  type TokenRegistry,
  type TokenSymbol,
} from '../intents/index.ts'
import type { EscrowAccounts } from './accounts.ts'
import { LedgerConfigError, LedgerInvariantError } from './errors.ts'
import { isNonceWindowText, NonceWindows, type NonceVerdict } from './nonceWindow.ts'

/** Balance of one (address, token), in integer base units. */
export interface Balance {
  /** Spendable: transfers and new orders draw from it. */
  readonly available: bigint
  /** Held by open orders; only the orderbook moves it, through `EscrowAccounts`. */
  readonly locked: bigint
}

/** The current balance of one (address, token) that changed since the last `takeChanges`. */
export interface BalanceChange extends Balance {
  readonly address: Address
  readonly token: TokenSymbol
}

/** A (signer, nonce): consumed, kept or evicted from its window. */
export interface UsedNonce {
  readonly signer: Address
  readonly nonce: bigint
}

/** The nonces kept in one signer's window, ascending (empty: the signer has no window). */
export interface NonceWindow {
  readonly signer: Address
  readonly nonces: readonly bigint[]
}

/**
 * A signer's window as storage keeps it: its nonces ascending as decimal text separated by single
 * spaces (the value of its state leaf). A restart restores it without parsing it.
 */
export interface NonceWindowText {
  readonly signer: Address
  readonly text: string
}

/**
 * What to write to storage after a batch: every (address, token) whose balance changed, with its
 * new value (zero included, so storage can drop the row), sorted by address then token; the
 * nonces consumed, in the order they were used; the nonces evicted from their windows, in order
 * (possibly some consumed in the same batch); and the window after the batch of every signer
 * whose window changed, in order of first change, which is what storage keeps (one row each).
 */
export interface LedgerChanges {
  readonly balances: readonly BalanceChange[]
  readonly nonces: readonly UsedNonce[]
  readonly evictedNonces: readonly UsedNonce[]
  readonly nonceWindows: readonly NonceWindow[]
}

interface AccountEntry {
  readonly address: Address
  readonly token: TokenSymbol
  available: bigint
  locked: bigint
}

/**
 * The deterministic multi-token ledger: available and locked balances in bigint base units, the
 * token supplies, the issuer allowed to mint, and each signer's window of used nonces
 * (`nonceWindow.ts`: the 100 highest, within a time window of the batch time). Every
 * change goes through a method here, which keeps three invariants: no balance is ever negative,
 * the sum of all balances of a token equals its supply, and a supply changes only by `mint`.
 *
 * It implements `EscrowAccounts` for the orderbook. Writes demand canonical addresses and known
 * tokens and throw `LedgerInvariantError` otherwise (a caller bug); reads of anything unknown
 * are simply 0. Make one with `createLedger` (genesis) or `restoreLedger` (storage).
 */
export class Ledger implements EscrowAccounts {
  readonly tokens: TokenRegistry
  /** The only signer whose `mint` intents apply. */
  readonly issuer: Address
  private readonly accounts = new Map<string, Map<string, AccountEntry>>()
  private readonly supplies = new Map<string, bigint>()
  private readonly nonces = new NonceWindows()
  private touched = new Set<AccountEntry>()
  private newNonces: UsedNonce[] = []
  private evictedNonces: UsedNonce[] = []
  /** Signers whose window changed since the last `takeChanges`. */
  private windowsChanged = new Set<Address>()

  /** An empty ledger: no balances, no supply, no nonce used. */
  constructor(tokens: TokenRegistry, issuer: Address) {
    if (!isCanonicalAddress(issuer)) throw new LedgerConfigError(`issuer ${issuer}`)
    this.tokens = tokens
    this.issuer = issuer
    for (const symbol of tokens.keys()) this.supplies.set(symbol, 0n)
  }

  available(address: string, token: string): bigint {
    return this.accounts.get(address)?.get(token)?.available ?? 0n
  }

  locked(address: string, token: string): bigint {
    return this.accounts.get(address)?.get(token)?.locked ?? 0n
  }

  /** Both balances of (address, token); zero for anything never credited. */
  balance(address: string, token: string): Balance {
    return { available: this.available(address, token), locked: this.locked(address, token) }
  }

  /** Total of `token` in existence: genesis balances plus everything minted since. */
  supply(token: string): bigint {
    return this.supplies.get(token) ?? 0n
  }

  /** Whether `signer` may use `nonce` in a batch of time `timeMs`, or why not. */
  checkNonce(signer: string, nonce: bigint, timeMs: number): NonceVerdict {
    return this.nonces.check(signer, nonce, timeMs)
  }

  /** The nonces kept in `signer`'s window, ascending: at most `nonceWindowSize`. */
  keptNonces(signer: string): readonly bigint[] {
    return this.nonces.kept(signer)
  }

  /**
   * Whether `address` has an account: a non-zero balance of some token, or kept nonces. (Open
   * orders lock a balance, so an owner of one has an account too.)
   */
  hasAccount(address: string): boolean {
    if (this.nonces.has(address)) return true
    for (const entry of this.accounts.get(address)?.values() ?? []) {
      if (entry.available !== 0n || entry.locked !== 0n) return true
    }
    return false
  }

  /** Every address holding an entry for some token, in ascending order. */
  addresses(): Address[] {
    return [...this.accounts.keys()].sort() as Address[]
  }

  /**
   * Every non-zero balance, in no particular order: for folding the whole state where order does
   * not matter (the state tree), without the sorting and copies of `addresses` and `balancesOf`.
   */
  *eachBalance(): Generator<BalanceChange> {
    for (const byToken of this.accounts.values()) {
      for (const entry of byToken.values()) {
        if (entry.available !== 0n || entry.locked !== 0n) yield entry
      }
    }
  }

  /**
   * Every signer's kept nonces as the text of its state leaf (ascending, space-separated),
   * signers in no particular order; see `eachBalance`.
   */
  eachNonceWindowText(): IterableIterator<[Address, string]> {
    return this.nonces.texts() as IterableIterator<[Address, string]>
  }

  /** The nonces kept in `signer`'s window as the text of its state leaf (`""`: none). */
  nonceWindowText(signer: string): string {
    return this.nonces.text(signer)
  }

  /** Every signer with kept nonces, in ascending order. */
  signers(): Address[] {
    return this.nonces.signers() as Address[]
  }

  /** The non-zero balances of `address`, by token in ascending order. */
  balancesOf(address: string): BalanceChange[] {
    const entries = [...(this.accounts.get(address)?.values() ?? [])]
    return entries
      .filter((entry) => entry.available !== 0n || entry.locked !== 0n)
      .sort((a, b) => compareStrings(a.token, b.token))
      .map(toBalanceChange)
  }

  /**
   * The replay check every intent goes through exactly once, in a batch of time `timeMs`: keeps
   * (signer, nonce) in the signer's window when it is `fresh` or only `expired` (a validly signed
   * intent outside its time window is spent too, like any rejected one), evicting the smallest
   * kept nonce of a full window. Returns the verdict; `nonce_already_used` and `nonce_too_low`
   * change nothing.
   */
  useNonce(signer: string, nonce: bigint, timeMs: number): NonceVerdict {
    assertAddress(signer)
    if (nonce < 0n || nonce > maxNonce) throw new LedgerInvariantError(`nonce ${nonce}`)
    const verdict = this.nonces.check(signer, nonce, timeMs)
    if (verdict === 'fresh' || verdict === 'expired') this.keepNonce(signer, nonce)
    return verdict
  }

  /**
   * Sets the balance of (address, token), which has none yet, and adds it to the supply: for
   * restoring a state from storage, so it is not a change. Throws `LedgerInvariantError` for an
   * address that is not canonical, an unknown token, a negative amount, a second balance of the
   * key, or a supply beyond uint128.
   */
  restoreBalance(address: string, token: string, available: bigint, locked: bigint): void {
    const info = this.tokenInfo(address, token)
    if (available < 0n || locked < 0n) {
      throw new LedgerInvariantError(`restore balance ${address} ${token}: negative`)
    }
    let byToken = this.accounts.get(address)
    if (byToken === undefined) this.accounts.set(address, (byToken = new Map()))
    if (byToken.has(token)) {
      throw new LedgerInvariantError(`restore balance ${address} ${token}: a second one`)
    }
    const supply = this.supply(token) + available + locked
    if (supply > maxAmountUnits) {
      throw new LedgerInvariantError(`restore balance ${address} ${token}: supply beyond uint128`)
    }
    this.supplies.set(token, supply)
    byToken.set(token, { address: address as Address, token: info.symbol, available, locked })
  }

  /**
   * Sets `signer`'s whole window, without a time check: for restoring a state from storage.
   * Throws `LedgerInvariantError` unless the signer has no window yet and `nonces` is one: at
   * most `nonceWindowSize` nonces in uint64, strictly ascending. It is not a change.
   */
  restoreNonceWindow(signer: string, nonces: readonly bigint[]): void {
    assertAddress(signer)
    if (this.nonces.has(signer)) throw new LedgerInvariantError(`restore window ${signer} again`)
    let previous = -1n
    for (const nonce of nonces) {
      if (nonce <= previous || nonce > maxNonce) {
        throw new LedgerInvariantError(`restore window ${signer}: nonce ${nonce} after ${previous}`)
      }
      previous = nonce
    }
    this.nonces.restore(signer, nonces)
  }

  /**
   * `restoreNonceWindow` from the window's stored text (`NonceWindowText`), checked on its
   * characters and kept as text until the window is first used: a restart parses none of the
   * windows it does not touch. Throws `LedgerInvariantError` unless the signer has no window yet
   * and `text` is one (`isNonceWindowText`).
   */
  restoreNonceWindowText(signer: string, text: string): void {
    assertAddress(signer)
    if (this.nonces.has(signer)) throw new LedgerInvariantError(`restore window ${signer} again`)
    if (!isNonceWindowText(text, this.nonces.size)) {
      throw new LedgerInvariantError(`restore window ${signer}: "${text.slice(0, 100)}"`)
    }
    this.nonces.restoreText(signer, text)
  }

  /**
   * Undoes the `useNonce` of a signer that had no account before it (see `hasAccount`): its
   * window goes, as if the intent had never been sequenced. Throws `LedgerInvariantError` if
   * the window holds anything but `nonce` (the signer had an account).
   */
  releaseNonce(signer: string, nonce: bigint): void {
    const kept = this.nonces.kept(signer)
    if (kept.length !== 1 || kept[0] !== nonce) {
      throw new LedgerInvariantError(`release nonce ${signer} ${nonce}: not its only nonce`)
    }
    this.nonces.forget(signer)
    const last = this.newNonces.at(-1)
    if (last?.signer !== signer || last.nonce !== nonce) {
      throw new LedgerInvariantError(`release nonce ${signer} ${nonce}: not the last one used`)
    }
    this.newNonces.pop()
    // It had no window before this nonce, and has none again: nothing for storage to write.
    this.windowsChanged.delete(last.signer)
  }

  /**
   * Moves `amount` from `from`'s available balance to `to`'s. Returns false, changing nothing,
   * when `from` has less available.
   */
  transfer(from: string, to: string, token: string, amount: bigint): boolean {
    assertAmount(amount)
    // Checked before `entry`, which would leave an empty entry behind for a refused stranger.
    if (this.availableOf(from, token) < amount) return false
    const source = this.entry(from, token)
    const target = this.entry(to, token)
    source.available -= amount
    target.available += amount
    this.touch(source, target)
    return true
  }

  /**
   * Creates `amount` of `token` in `to`'s available balance. Returns false, changing nothing,
   * when the supply would pass `maxAmountUnits`, which also caps every single balance.
   */
  mint(to: string, token: string, amount: bigint): boolean {
    assertAmount(amount)
    this.tokenInfo(to, token)
    const supply = this.supply(token) + amount
    if (supply > maxAmountUnits) return false
    const target = this.entry(to, token)
    this.supplies.set(token, supply)
    target.available += amount
    this.touch(target)
    return true
  }

  lock(address: string, token: string, amount: bigint): boolean {
    assertAmount(amount)
    if (this.availableOf(address, token) < amount) return false
    const entry = this.entry(address, token)
    entry.available -= amount
    entry.locked += amount
    this.touch(entry)
    return true
  }

  unlock(address: string, token: string, amount: bigint): void {
    assertAmount(amount)
    const entry = this.entry(address, token)
    if (entry.locked < amount) {
      throw new LedgerInvariantError(`unlock ${amount} ${token} > locked ${entry.locked}`)
    }
    entry.locked -= amount
    entry.available += amount
    this.touch(entry)
  }

  transferLocked(from: string, to: string, token: string, amount: bigint): void {
    assertAmount(amount)
    const source = this.entry(from, token)
    const target = this.entry(to, token)
    if (source.locked < amount) {
      throw new LedgerInvariantError(`transferLocked ${amount} ${token} > locked ${source.locked}`)
    }
    source.locked -= amount
    target.available += amount
    this.touch(source, target)
  }

  /**
   * Returns what changed since the previous call and starts a new change set. The replica calls
   * it once per applied batch and writes the result in the batch's database transaction.
   */
  takeChanges(): LedgerChanges {
    const balances = [...this.touched].sort(compareEntries).map(toBalanceChange)
    const nonces = this.newNonces
    const evictedNonces = this.evictedNonces
    const nonceWindows = [...this.windowsChanged].map((signer) => ({
      signer,
      nonces: [...this.nonces.kept(signer)],
    }))
    this.touched = new Set()
    this.newNonces = []
    this.evictedNonces = []
    this.windowsChanged = new Set()
    return { balances, nonces, evictedNonces, nonceWindows }
  }

  private keepNonce(signer: Address, nonce: bigint): void {
    const evicted = this.nonces.use(signer, nonce)
    this.newNonces.push({ signer, nonce })
    this.windowsChanged.add(signer)
    if (evicted !== undefined) this.evictedNonces.push({ signer, nonce: evicted })
  }

  /** The available balance of a valid key, without creating its entry. */
  private availableOf(address: string, token: string): bigint {
    this.tokenInfo(address, token)
    return this.available(address, token)
  }

  /** The token of a valid (address, token) key; the single gate for valid keys. */
  private tokenInfo(address: string, token: string): TokenInfo {
    assertAddress(address)
    const info = this.tokens.get(token)
    if (info === undefined) throw new LedgerInvariantError(`unknown token ${token}`)
    return info
  }

  /** The entry of (address, token), created at zero. */
  private entry(address: string, token: string): AccountEntry {
    assertAddress(address)
    const info = this.tokenInfo(address, token)
    let byToken = this.accounts.get(address)
    if (byToken === undefined) this.accounts.set(address, (byToken = new Map()))
    let entry = byToken.get(token)
    if (entry === undefined) {
      entry = { address, token: info.symbol, available: 0n, locked: 0n }
      byToken.set(token, entry)
    }
    return entry
  }

  private touch(...entries: AccountEntry[]): void {
    for (const entry of entries) this.touched.add(entry)
  }
}

function assertAddress(address: string): asserts address is Address {
  if (!isCanonicalAddress(address)) throw new LedgerInvariantError(`address ${address}`)
}

function assertAmount(amount: bigint): void {
  if (typeof amount !== 'bigint' || amount < 0n) {
    throw new LedgerInvariantError(`amount ${String(amount)}`)
  }
}

function toBalanceChange(entry: AccountEntry): BalanceChange {
  const { address, token, available, locked } = entry
  return { address, token, available, locked }
}

/** Code-unit order, never locale order, so every replica sorts alike. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function compareEntries(a: AccountEntry, b: AccountEntry): number {
  return compareStrings(a.address, b.address) || compareStrings(a.token, b.token)
}
