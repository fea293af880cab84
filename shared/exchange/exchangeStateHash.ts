import { bytesToHex, stringToBytes, type Hex } from 'viem'
import type { Ledger, StoredLedger } from '../ledger/index.ts'
import type { MatchingEngine } from '../orderbook/index.ts'
import { buildStateProof, sha256Bytes, StateTree, type StateProof } from '../stateHash/index.ts'
import type { BatchEffects } from './effects.ts'
import type { OrderState } from './orderState.ts'
import {
  balanceLeaf,
  balanceLeafKey,
  issuerLeaf,
  marketLeaf,
  nonceWindowLeaf,
  nonceWindowLeafKey,
  orderLeaf,
  tokenLeaf,
  type StateLeaf,
} from './stateLeaves.ts'

/** Hashed before the tree's root; a new leaf format gets a new tag. */
export const exchangeStateHashDomain = 'zellular-orderbook/exchange-state/v3'

/** What the state hash reads of an exchange. */
export interface HashedExchange {
  readonly ledger: Ledger
  readonly engine: MatchingEngine
  readonly markets: ReadonlyMap<string, unknown>
  openOrder(orderId: string): OrderState | undefined
  allOpenOrders(): OrderState[]
  tradeSeq(market: string): number
}

/** Keys a batch may have changed; what `markBatch` reads of its effects. */
export type ChangedKeys = Pick<
  BatchEffects,
  'balances' | 'nonces' | 'evictedNonces' | 'orders' | 'trades' | 'book'
>

/**
 * Every leaf of the exchange's consensus state (see `stateLeaves.ts`), from scratch, in no
 * particular order (the tree's root does not depend on it, so nothing is sorted here).
 */
export function* exchangeStateLeaves(exchange: HashedExchange): Generator<StateLeaf> {
  const { ledger } = exchange
  for (const balance of ledger.eachBalance()) {
    yield balanceLeaf(balance.address, balance.token, balance)
  }
  for (const [signer, text] of ledger.eachNonceWindowText()) yield nonceWindowLeaf(signer, text)
  yield* otherStateLeaves(exchange)
}

/** The leaves of everything but the balances and nonce windows. */
function* otherStateLeaves(exchange: HashedExchange): Generator<StateLeaf> {
  const { ledger, engine } = exchange
  yield issuerLeaf(ledger.issuer)
  for (const token of ledger.tokens.values()) yield tokenLeaf(token.symbol, token.decimals)
  for (const order of exchange.allOpenOrders()) {
    yield orderLeaf(order.orderId, engine.order(order.orderId), order)
  }
  for (const market of exchange.markets.keys()) {
    yield marketLeaf(market, exchange.tradeSeq(market), engine.depth(market, 0).seq)
  }
}

/** A leaf's bucket and digest (64 hex digits) as storage kept them beside its value. */
export interface KeptLeaf {
  readonly bucket: number
  readonly digest: string
}

/**
 * The leaves storage kept beside the ledger rows a restore reads: one per entry of the stored
 * `balances` and `nonceWindows`, in their order; undefined where none was kept (that leaf is
 * hashed from its value).
 */
export interface KeptLedgerLeaves {
  readonly balances: readonly (KeptLeaf | undefined)[]
  readonly nonceWindows: readonly (KeptLeaf | undefined)[]
}

/** The state hash of a tree root: sha256(domain ‖ root), as 0x hex (`docs/state-hash.md`). */
export function stateHashOfRoot(root: Uint8Array): Hex {
  const domain = stringToBytes(exchangeStateHashDomain)
  const input = new Uint8Array(domain.length + root.length)
  input.set(domain)
  input.set(root, domain.length)
  return bytesToHex(sha256Bytes(input))
}

/** The state hash computed from scratch, linear in the state: the reference for tests. */
export function fullStateHash(exchange: HashedExchange): Hex {
  const tree = new StateTree()
  for (const [key, value] of exchangeStateLeaves(exchange)) tree.set(key, value)
  return stateHashOfRoot(tree.root())
}

/**
 * The canonical state hash of an exchange, kept up to date in O(changed keys): after each batch
 * the exchange marks the keys its effects name (balances, nonce windows, orders, markets), and
 * `hash` reads their current values into the `StateTree`, which rehashes only the buckets they
 * fall in. Marks pile up until a hash is asked for, at most `dirtyMax` of them (then they are
 * folded in at once), so the cost is that of the changes however rarely anyone asks. Equal to
 * `fullStateHash` at every point (property-tested).
 */
export class ExchangeStateHash {
  private tree = new StateTree()
  private rebuild = true
  /** The root and state hash of the latest `hash()`, which `prove` proves against. */
  private hashed: { root: Uint8Array; hash: Hex } | undefined
  private readonly balances = new Set<string>()
  private readonly signers = new Set<string>()
  private readonly orders = new Set<string>()
  private readonly markets = new Set<string>()

  constructor(
    private readonly exchange: HashedExchange,
    private readonly dirtyMax = 100_000,
  ) {}

  /** Everything may have changed (a restore): the next `hash` builds the tree from scratch. */
  markAll(): void {
    this.rebuild = true
    this.clearMarks()
  }

  /**
   * Builds the tree of a restored exchange from the leaves storage kept beside its ledger rows
   * (`stored`, what the ledger was restored from), hashing only the leaves without one and the
   * rest of the state (issuer, tokens, orders, markets); the buckets and nodes are hashed by the
   * next `hash`. Equal to building from scratch when each kept leaf is `hashLeaf` of its row's
   * leaf, which storage writes with the row.
   */
  restore(stored: StoredLedger, kept: KeptLedgerLeaves): void {
    const { balances, nonceWindows } = stored
    if (kept.balances.length !== balances.length) {
      throw new Error(`${kept.balances.length} kept leaves for ${balances.length} balances`)
    }
    if (kept.nonceWindows.length !== nonceWindows.length) {
      throw new Error(`${kept.nonceWindows.length} kept leaves for ${nonceWindows.length} windows`)
    }
    const tree = new StateTree()
    for (let i = 0; i < balances.length; i++) {
      const { address, token, available, locked } = balances[i]!
      const leaf = kept.balances[i]
      // A zero balance has no leaf (storage deletes its row, so it never keeps one).
      if (leaf === undefined || (available === 0n && locked === 0n)) {
        tree.set(...balanceLeaf(address, token, { available, locked }))
      } else tree.setHashed(balanceLeafKey(address, token), leaf.bucket, leaf.digest)
    }
    for (let i = 0; i < nonceWindows.length; i++) {
      const window = nonceWindows[i]!
      const leaf = kept.nonceWindows[i]
      if (leaf === undefined) {
        const text = 'text' in window ? window.text : window.nonces
        tree.set(...nonceWindowLeaf(window.signer, text))
      } else tree.setHashed(nonceWindowLeafKey(window.signer), leaf.bucket, leaf.digest)
    }
    for (const [key, value] of otherStateLeaves(this.exchange)) tree.set(key, value)
    this.tree = tree
    this.rebuild = false
    this.hashed = undefined
    this.clearMarks()
  }

  /** Marks the keys one applied batch changed. */
  markBatch(changes: ChangedKeys): void {
    if (this.rebuild) return
    for (const { address, token } of changes.balances) this.balances.add(`${address} ${token}`)
    for (const { signer } of changes.nonces) this.signers.add(signer)
    for (const { signer } of changes.evictedNonces) this.signers.add(signer)
    for (const { orderId } of changes.orders) this.orders.add(orderId)
    for (const { market } of changes.trades) this.markets.add(market)
    for (const { market } of changes.book) this.markets.add(market)
    const marked = this.balances.size + this.signers.size + this.orders.size + this.markets.size
    if (marked > this.dirtyMax) this.fold()
  }

  /** The state hash now: sha256(domain ‖ root of the state tree), as 0x hex. */
  hash(): Hex {
    this.fold()
    const root = this.tree.root()
    this.hashed = { root, hash: stateHashOfRoot(root) }
    return this.hashed.hash
  }

  /**
   * A proof of `key` under the latest `hash()` (`shared/stateHash/stateProof.ts`), with the
   * value it proves (`undefined`: no leaf). The tree stays as that hash left it until the next
   * one, but the exchange moves on: the value is the caller's `value` (what the key held at that
   * hash, e.g. a balance from history) or else the current one, and every other leaf of an
   * absence proof is the current one; a key changed since the hash has no current value to
   * give. Undefined when a value is not known that way, when no hash was made since the state
   * was loaded, or when the marks overflowed into the tree (`dirtyMax`) since the hash: the next
   * hash proves again.
   */
  prove(
    key: string,
    value?: { readonly value: string | undefined },
  ): { stateHash: Hex; value: string | undefined; proof: StateProof } | undefined {
    const hashed = this.hashed
    if (hashed === undefined || this.rebuild) return undefined
    const path = this.tree.proof(key)
    if (!equalBytes(this.tree.root(), hashed.root)) return undefined
    const own = value ?? this.valueAtHash(key)
    if (own === undefined) return undefined
    const proof = buildStateProof(path, key, own.value, (other) => this.valueAtHash(other)?.value)
    return proof === undefined ? undefined : { stateHash: hashed.hash, value: own.value, proof }
  }

  /** A leaf key's value as of the latest hash, when it has not changed since; else undefined. */
  private valueAtHash(key: string): { value: string | undefined } | undefined {
    const { ledger, engine } = this.exchange
    const [kind, first = '', second = ''] = key.split(' ')
    const leaf = (entry: StateLeaf) => ({ value: entry[1] })
    switch (kind) {
      case 'issuer':
        return leaf(issuerLeaf(ledger.issuer))
      case 'token': {
        const token = ledger.tokens.get(first)
        return token === undefined ? { value: undefined } : leaf(tokenLeaf(first, token.decimals))
      }
      case 'balance':
        if (this.balances.has(`${first} ${second}`)) return undefined
        return leaf(balanceLeaf(first, second, ledger.balance(first, second)))
      case 'nonces':
        if (this.signers.has(first)) return undefined
        return leaf(nonceWindowLeaf(first, ledger.nonceWindowText(first)))
      case 'order':
        if (this.orders.has(first)) return undefined
        return leaf(orderLeaf(first, engine.order(first), this.exchange.openOrder(first)))
      case 'market':
        if (this.markets.has(first) || !this.exchange.markets.has(first)) return undefined
        return leaf(marketLeaf(first, this.exchange.tradeSeq(first), engine.depth(first, 0).seq))
      default:
        return undefined
    }
  }

  private fold(): void {
    const { tree, exchange } = this
    const { ledger, engine } = exchange
    if (this.rebuild) {
      this.tree = new StateTree()
      for (const [key, value] of exchangeStateLeaves(exchange)) this.tree.set(key, value)
      this.rebuild = false
      this.clearMarks()
      return
    }
    for (const entry of this.balances) {
      const [address, token] = entry.split(' ') as [string, string]
      tree.set(...balanceLeaf(address, token, ledger.balance(address, token)))
    }
    for (const signer of this.signers)
      tree.set(...nonceWindowLeaf(signer, ledger.nonceWindowText(signer)))
    for (const orderId of this.orders) {
      tree.set(...orderLeaf(orderId, engine.order(orderId), exchange.openOrder(orderId)))
    }
    for (const market of this.markets) {
      tree.set(...marketLeaf(market, exchange.tradeSeq(market), engine.depth(market, 0).seq))
    }
    this.clearMarks()
  }

  private clearMarks(): void {
    this.balances.clear()
    this.signers.clear()
    this.orders.clear()
    this.markets.clear()
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
