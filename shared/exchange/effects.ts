import type {
  Address,
  IntentAction,
  IntentId,
  IntentRejectReason,
  StableReasonCode,
  TimeInForce,
} from '../intents/index.ts'
import type { BalanceChange, NonceWindow, ReplayReason, UsedNonce } from '../ledger/index.ts'

/** The outcome of one signed, verified intent of a batch. */
export interface Receipt {
  readonly intentId: IntentId
  readonly action: IntentAction
  readonly signer: Address
  /** The nonce the intent consumed: each receipt stands for exactly one used (signer, nonce). */
  readonly nonce: bigint
  readonly status: 'applied' | 'rejected'
  /** Why it was refused: a ledger, orderbook, order-unit or pre-check code. */
  readonly reason?: StableReasonCode
  /** Position of the intent in the batch's JSON array. */
  readonly position: number
}

/**
 * A batch item that never became a receipt: unreadable, unverifiable (anyone can forge an
 * intent in someone's name, so these never consume a nonce or mark an intent id), or a replay
 * of a (signer, nonce) already used. Kept for logs and counters only.
 */
export interface SkippedItem {
  readonly position: number
  readonly reason: SkipReason
}

/** Why a batch item was skipped: the batch is not a JSON array, the item fails, or a replay. */
export type SkipReason = 'malformed_batch' | IntentRejectReason | ReplayReason

/** Where an order stands after a batch (the full row, so storage can overwrite it). */
export interface OrderUpdate {
  readonly orderId: IntentId
  readonly market: string
  readonly owner: Address
  readonly side: 'buy' | 'sell'
  readonly type: 'limit' | 'market'
  readonly timeInForce: TimeInForce
  /** Quote base units per whole base token. */
  readonly price: bigint
  /** Base base units ordered. */
  readonly quantity: bigint
  readonly filled: bigint
  /** Open in the book; 0 unless `status` is `open`. */
  readonly remaining: bigint
  readonly status: 'open' | 'filled' | 'cancelled' | 'rejected'
  readonly reason?: StableReasonCode
  readonly placedIndex: number
  /** Position of the order's intent in its batch: (placedIndex, placedPosition) is its priority. */
  readonly placedPosition: number
  readonly updatedIndex: number
}

/** One trade at the maker's price, with its per-market number. */
export interface TradeRecord {
  readonly market: string
  readonly seq: number
  readonly price: bigint
  readonly quantity: bigint
  readonly takerSide: 'buy' | 'sell'
  readonly makerOrderId: IntentId
  readonly takerOrderId: IntentId
  readonly maker: Address
  readonly taker: Address
  readonly index: number
  /** The batch's deterministic time, ms since the Unix epoch (see `Exchange.time`). */
  readonly time: number
}

/** A price level's new total, in token units. */
export interface BookLevelDelta {
  readonly market: string
  readonly seq: number
  readonly side: 'buy' | 'sell'
  readonly price: bigint
  /** Base base units now resting at the price; 0 removes the level. */
  readonly quantity: bigint
  readonly index: number
}

/**
 * Everything one batch did, for storage (one transaction) and then for events. Deterministic:
 * every replica computes equal effects from an equal state and batch.
 */
export interface BatchEffects {
  readonly index: number
  /** The batch's deterministic time, ms since the Unix epoch (see `Exchange.time`). */
  readonly time: number
  /** Receipts that belong to the state: each stands for one consumed (signer, nonce). */
  readonly receipts: readonly Receipt[]
  /**
   * Rejected intents of signers that had no account: they changed nothing (nonce included), so
   * their receipts are not stored; a replica keeps them in a bounded log and sends them as
   * events. Equal on every replica like the rest.
   */
  readonly droppedReceipts: readonly Receipt[]
  readonly skipped: readonly SkippedItem[]
  /** New balances of every (address, token) that changed, sorted by address then token. */
  readonly balances: readonly BalanceChange[]
  /** Nonces consumed, one per receipt, in order; kept in their signers' windows. */
  readonly nonces: readonly UsedNonce[]
  /** Nonces evicted from their windows (some maybe consumed in this same batch), in order. */
  readonly evictedNonces: readonly UsedNonce[]
  /**
   * The window after the batch of each signer whose window changed (what storage keeps, one row
   * per signer), in order of first change.
   */
  readonly nonceWindows: readonly NonceWindow[]
  /** Orders touched, final state after the batch, in order of first touch. */
  readonly orders: readonly OrderUpdate[]
  readonly trades: readonly TradeRecord[]
  readonly book: readonly BookLevelDelta[]
}
