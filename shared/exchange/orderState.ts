import type {
  Address,
  IntentId,
  OrderIntent,
  StableReasonCode,
  TimeInForce,
  VerifiedIntent,
} from '../intents/index.ts'
import type { OrderUpdate } from './effects.ts'

/** The mutable record the exchange keeps of an order while it is open (or this batch). */
export class OrderState {
  filled = 0n
  status: OrderUpdate['status'] = 'open'
  reason: StableReasonCode | undefined = undefined
  /** Base units still resting in the book (0 unless open). */
  remaining = 0n
  updatedIndex: number

  constructor(
    readonly orderId: IntentId,
    readonly market: string,
    readonly owner: Address,
    readonly side: 'buy' | 'sell',
    readonly type: 'limit' | 'market',
    readonly timeInForce: TimeInForce,
    readonly price: bigint,
    readonly quantity: bigint,
    readonly placedIndex: number,
    /** Position of the order's intent in batch `placedIndex`: with it, its time priority. */
    readonly placedPosition: number,
  ) {
    this.updatedIndex = placedIndex
  }

  /** The record of a freshly verified order intent, placed at `position` of batch `index`. */
  static of(intent: VerifiedIntent<OrderIntent>, index: number, position: number): OrderState {
    return new OrderState(
      intent.id,
      intent.market.symbol,
      intent.signer,
      intent.side,
      intent.type,
      intent.timeInForce,
      intent.price.units,
      intent.quantity.units,
      index,
      position,
    )
  }

  /** Rebuilds the record of an open order read back from storage. */
  static restore(row: OrderUpdate): OrderState {
    const state = new OrderState(
      row.orderId,
      row.market,
      row.owner,
      row.side,
      row.type,
      row.timeInForce,
      row.price,
      row.quantity,
      row.placedIndex,
      row.placedPosition,
    )
    state.filled = row.filled
    state.remaining = row.remaining
    state.status = row.status
    state.reason = row.reason
    state.updatedIndex = row.updatedIndex
    return state
  }

  toUpdate(): OrderUpdate {
    const { orderId, market, owner, side, type, timeInForce, price, quantity } = this
    const { filled, remaining, status, placedIndex, placedPosition, updatedIndex } = this
    const row = { orderId, market, owner, side, type, timeInForce, price, quantity, filled }
    const rest = { remaining, status, placedIndex, placedPosition, updatedIndex }
    return this.reason === undefined
      ? { ...row, ...rest }
      : { ...row, ...rest, reason: this.reason }
  }
}
