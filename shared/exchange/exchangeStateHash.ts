import { bytesToHex, stringToBytes, type Hex } from 'viem'
import type { Ledger } from '../ledger/index.ts'
import type { MatchingEngine } from '../orderbook/index.ts'
import { sha256Bytes, StateTree } from '../stateHash/index.ts'
import type { BatchEffects } from './effects.ts'
import type { OrderState } from './orderState.ts'
import {
  balanceLeaf,
  issuerLeaf,
  marketLeaf,
  nonceWindowLeaf,
  orderLeaf,
  tokenLeaf,
  type StateLeaf,
} from './stateLeaves.ts'

/** Hashed before the tree's root; a new leaf format gets a new tag. */
export const exchangeStateHashDomain = 'zellular-orderbook/exchange-state/v2'

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

/** Every leaf of the exchange's consensus state (see `stateLeaves.ts`), from scratch. */
export function* exchangeStateLeaves(exchange: HashedExchange): Generator<StateLeaf> {
  const { ledger, engine } = exchange
  yield issuerLeaf(ledger.issuer)
  for (const token of ledger.tokens.values()) yield tokenLeaf(token.symbol, token.decimals)
  for (const address of ledger.addresses()) {
    for (const balance of ledger.balancesOf(address)) {
      yield balanceLeaf(address, balance.token, balance)
    }
  }
  for (const signer of ledger.signers()) yield nonceWindowLeaf(signer, ledger.keptNonces(signer))
  for (const order of exchange.allOpenOrders()) {
    yield orderLeaf(order.orderId, engine.order(order.orderId), order)
  }
  for (const market of exchange.markets.keys()) {
    yield marketLeaf(market, exchange.tradeSeq(market), engine.depth(market, 0).seq)
  }
}

/** The state hash of `root`: sha256(domain ‖ root), as 0x hex. */
function finalHash(root: Uint8Array): Hex {
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
  return finalHash(tree.root())
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
    return finalHash(this.tree.root())
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
      tree.set(...nonceWindowLeaf(signer, ledger.keptNonces(signer)))
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
