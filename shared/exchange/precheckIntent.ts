import type { VerifiedIntent } from '../intents/index.ts'
import { nonceMaxLeadMs } from '../ledger/index.ts'
import { orderLockAmount, toOrderUnits } from '../orderbook/index.ts'
import type { Exchange } from './exchange.ts'

/**
 * Why a replica refuses a submission before sequencing it: the intent would certainly be
 * rejected in the current state. A stable subset of the apply-time reasons, plus `replay`.
 */
export type PrecheckRejectReason =
  | 'replay'
  | 'expired'
  | 'not_issuer'
  | 'self_transfer'
  | 'insufficient_available'
  | 'unknown_market'
  | 'price_not_on_tick'
  | 'quantity_not_on_lot'
  | 'invalid_price'
  | 'invalid_quantity'
  | 'below_min_size'
  | 'above_max_size'
  | 'unknown_order'
  | 'not_owner'
  | 'no_open_orders'

/** Orders submitted but not applied yet, which a cancel may already name. */
export interface PendingOrders {
  readonly ids?: ReadonlySet<string>
  /** Whether `signer` has such an order (in any market). */
  readonly hasOrderFrom?: (signer: string) => boolean
}

/**
 * The cheap checks a replica runs on a verified intent before submitting it:
 * - the nonce fits the signer's window (unused, not below a full window: else `replay`) and its
 *   time window (else `expired`: at or before the applied batch time − 2 days, which only
 *   grows, or a day or more ahead of both the applied batch time and `nowMs`, the replica's
 *   clock, which the next batches' times follow);
 * - the issuer for mints, enough available balance for a transfer or an order's escrow;
 * - the order on the market's grid and within its limits;
 * - a cancelled order that exists and is the signer's (or is one of `pending.ids`, on its way);
 * - a cancel-all with something to cancel (an open order in its market, or a pending order).
 *
 * They read the applied state only, so an intent that passes can still be rejected when
 * applied; one that fails would be. What fails here never reaches Zellular.
 *
 * @returns undefined when the intent may be submitted, else the reason.
 */
export function precheckIntent(
  exchange: Exchange,
  intent: VerifiedIntent,
  pending: PendingOrders = {},
  nowMs = 0,
): PrecheckRejectReason | undefined {
  const pendingOrderIds = pending.ids ?? new Set<string>()
  const { ledger } = exchange
  const verdict = ledger.checkNonce(intent.signer, intent.nonce, exchange.time)
  if (verdict === 'nonce_already_used' || verdict === 'nonce_too_low') return 'replay'
  // Too old for the applied time is too old for good; too new only against both clocks.
  if (verdict === 'expired' && intent.nonce <= BigInt(exchange.time)) return 'expired'
  const latest = BigInt(Math.max(exchange.time, nowMs))
  if (intent.nonce >= latest + BigInt(nonceMaxLeadMs)) return 'expired'
  switch (intent.action) {
    case 'mint':
      return intent.signer === ledger.issuer ? undefined : 'not_issuer'
    case 'transfer':
      if (intent.to === intent.signer) return 'self_transfer'
      return ledger.available(intent.signer, intent.token) >= intent.amount.units
        ? undefined
        : 'insufficient_available'
    case 'order': {
      const market = exchange.markets.get(intent.market.symbol)?.engine
      if (market === undefined) return 'unknown_market'
      const units = toOrderUnits(market, intent.price.units, intent.quantity.units)
      if (!units.ok) return units.reason
      if (units.price > market.maxPriceTicks) return 'invalid_price'
      if (units.lots < market.minLots) return 'below_min_size'
      if (units.lots > market.maxLots) return 'above_max_size'
      const lock = orderLockAmount(market, intent.side, units.price, units.lots)
      return ledger.available(intent.signer, lock.token) >= lock.amount
        ? undefined
        : 'insufficient_available'
    }
    case 'cancel': {
      if (!exchange.markets.has(intent.market.symbol)) return 'unknown_market'
      const open = exchange.openOrder(intent.orderId)
      if (open === undefined || open.market !== intent.market.symbol) {
        return pendingOrderIds.has(intent.orderId) ? undefined : 'unknown_order'
      }
      return open.owner === intent.signer ? undefined : 'not_owner'
    }
    case 'cancelAll': {
      const market = intent.market.symbol
      if (!exchange.markets.has(market)) return 'unknown_market'
      const open = exchange.engine.openOrders(market, intent.signer).length > 0
      return open || pending.hasOrderFrom?.(intent.signer) ? undefined : 'no_open_orders'
    }
  }
}
