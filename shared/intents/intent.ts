import type { Address } from './address.ts'
import type { Amount } from './amount.ts'
import type { MarketPair, TokenSymbol } from './tokens.ts'

declare const intentIdBrand: unique symbol
declare const verifiedBrand: unique symbol

/** The only intent format version this code signs and accepts. */
export const intentVersion = 1

/** The largest nonce: nonces are uint64 so they fit an 8-byte integer column. */
export const maxNonce = (1n << 64n) - 1n

/** `keccak256` id of an intent, derived from (app, network, signer, nonce); see `intentId`. */
export type IntentId = `0x${string}` & { readonly [intentIdBrand]: true }

/** Fields every intent carries, whatever its action. */
export interface IntentHeader {
  /** Who signed the intent; the recovered signer must equal it. */
  readonly signer: Address
  /** Any uint64 the signer has not used before; they need not be sequential. */
  readonly nonce: bigint
  /** App domain name (`zellular-orderbook`), so a signature is valid for one app only. */
  readonly app: string
  /** Network name (`devnet`), so a devnet signature is worthless on any other network. */
  readonly network: string
  readonly version: typeof intentVersion
}

/** Move `amount` of `token` from the signer's available balance to `to`. */
export interface TransferIntent extends IntentHeader {
  readonly action: 'transfer'
  readonly to: Address
  readonly token: TokenSymbol
  readonly amount: Amount
}

/** Create `amount` of `token` for `to`; the ledger applies it only for the issuer. */
export interface MintIntent extends IntentHeader {
  readonly action: 'mint'
  readonly to: Address
  readonly token: TokenSymbol
  readonly amount: Amount
}

/** Order side, type and time in force as they appear on the wire. */
export type OrderSide = 'buy' | 'sell'
export type OrderType = 'limit' | 'market'
/** Every time in force, declared once here: the wire schema and every other type come from it. */
export const timeInForces = ['GTC', 'IOC', 'POST_ONLY'] as const
export type TimeInForce = (typeof timeInForces)[number]

/**
 * Place an order. Its order id is its intent id. A market order is always IOC and its `price` is
 * the worst price the signer accepts, so a market order can never fill at an unsigned price.
 */
export interface OrderIntent extends IntentHeader {
  readonly action: 'order'
  readonly market: MarketPair
  readonly side: OrderSide
  readonly type: OrderType
  /** Quote token base units per one whole base token (decimals of the quote token). */
  readonly price: Amount
  /** Base token base units (decimals of the base token). */
  readonly quantity: Amount
  readonly timeInForce: TimeInForce
}

/** Cancel one of the signer's open orders. */
export interface CancelIntent extends IntentHeader {
  readonly action: 'cancel'
  readonly market: MarketPair
  readonly orderId: IntentId
}

/** Cancel every open order of the signer in one market. */
export interface CancelAllIntent extends IntentHeader {
  readonly action: 'cancelAll'
  readonly market: MarketPair
}

/**
 * A parsed, canonical intent. Values are made only by `parseIntent` or `parseUnsignedIntent`,
 * which enforce every field rule, so code holding an `Intent` need not validate it again.
 */
export type Intent = TransferIntent | MintIntent | OrderIntent | CancelIntent | CancelAllIntent

/** The `action` discriminator values. */
export type IntentAction = Intent['action']

/** 65-byte ECDSA signature, `0x` + 130 lower-case hex, as received (v may be 0/1 or 27/28). */
export type IntentSignature = `0x${string}`

/** An intent together with the signature that came with it; not yet checked. */
export interface SignedIntent {
  readonly intent: Intent
  readonly signature: IntentSignature
}

/**
 * An intent whose signature recovered to its `signer` in the expected app and network, with its
 * id. Only `verifyIntent` makes these, so the ledger and the orderbook can demand one by type.
 */
export type VerifiedIntent<intent extends Intent = Intent> = intent & {
  readonly id: IntentId
  readonly [verifiedBrand]: true
}
