import type { Balance } from '../ledger/index.ts'
import type { OpenOrder } from '../orderbook/index.ts'

/**
 * The consensus state as (key, value) leaves of the state tree (`shared/stateHash`), one leaf per
 * item, text with single-space-separated fields that never contain spaces. `undefined` is "no
 * leaf" (a zero balance, an empty window). The byte-level definition, with a test vector, is in
 * `docs/state-hash.md`; a new field here is a new state hash version.
 */
export type StateLeaf = readonly [key: string, value: string | undefined]

export function issuerLeaf(issuer: string): StateLeaf {
  return ['issuer', issuer]
}

export function tokenLeaf(symbol: string, decimals: number): StateLeaf {
  return [`token ${symbol}`, String(decimals)]
}

/** Available and locked base units of (address, token); no leaf when both are 0. */
export function balanceLeaf(address: string, token: string, balance: Balance): StateLeaf {
  const { available, locked } = balance
  const value = available === 0n && locked === 0n ? undefined : `${available} ${locked}`
  return [balanceLeafKey(address, token), value]
}

/** The key of the balance leaf of (address, token). */
export function balanceLeafKey(address: string, token: string): string {
  return `balance ${address} ${token}`
}

/**
 * The nonces kept in a signer's window, ascending, or that as its text (`Ledger.nonceWindowText`:
 * decimal, space-separated); no leaf for an empty window.
 */
export function nonceWindowLeaf(signer: string, kept: readonly bigint[] | string): StateLeaf {
  const text = typeof kept === 'string' ? kept : kept.join(' ')
  return [nonceWindowLeafKey(signer), text === '' ? undefined : text]
}

/** The key of the nonce window leaf of `signer`. */
export function nonceWindowLeafKey(signer: string): string {
  return `nonces ${signer}`
}

/**
 * An open order as the engine holds it (prices in ticks, sizes in lots) and its time priority:
 * (placedIndex, placedPosition), the order each price level keeps its orders in.
 */
export function orderLeaf(
  orderId: string,
  order: OpenOrder | undefined,
  placed: { readonly placedIndex: number; readonly placedPosition: number } | undefined,
): StateLeaf {
  if (order === undefined || placed === undefined) return [`order ${orderId}`, undefined]
  const { market, side, price, owner, orderType, lots, originalLots } = order
  const fields = [market, side, price, owner, orderType, lots, originalLots]
  return [`order ${orderId}`, [...fields, placed.placedIndex, placed.placedPosition].join(' ')]
}

/** A market's trade count and its market-data (book delta) sequence number. */
export function marketLeaf(market: string, tradeSeq: number, bookSeq: number): StateLeaf {
  return [`market ${market}`, `${tradeSeq} ${bookSeq}`]
}
