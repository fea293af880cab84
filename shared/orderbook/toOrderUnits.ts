/**
 * Conversion from what a user signs (a price in quote base units per whole base token and a
 * quantity in base base units, both bigint) to the engine's book units (ticks and lots).
 */
import type { TimeInForce } from '../intents/index.ts'
import type { Market } from './markets.ts'
import type { OrderType } from './types.ts'

/** Why signed amounts do not map onto the market's grid. Names are stable. */
export type OrderUnitsRejectReason =
  'price_not_on_tick' | 'quantity_not_on_lot' | 'invalid_price' | 'invalid_quantity'

/** Result of {@link toOrderUnits}. */
export type ToOrderUnitsReturnType =
  { ok: true; price: number; lots: number } | { ok: false; reason: OrderUnitsRejectReason }

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Converts signed amounts to ticks and lots, exactly. Range checks against the market's limits
 * (min/max size, max price) are the engine's job, so the engine reports them with its own codes.
 * @param price - Quote base units per whole base token (e.g. `2000_000000n` for 2,000 USDT).
 * @param quantity - Base base units (e.g. `10n ** 18n` for 1 ETH).
 * @returns Ticks and lots, or a reason: `invalid_price`/`invalid_quantity` (≤ 0 or above 2^53
 * units of the grid), `price_not_on_tick`, `quantity_not_on_lot`.
 * @example
 * toOrderUnits(ethUsdt, 2000_000000n, 10n ** 18n) // { ok: true, price: 200000, lots: 1000 }
 */
export function toOrderUnits(
  market: Market,
  price: bigint,
  quantity: bigint,
): ToOrderUnitsReturnType {
  if (price <= 0n) return { ok: false, reason: 'invalid_price' }
  if (quantity <= 0n) return { ok: false, reason: 'invalid_quantity' }
  const { tickQuoteUnitsPerBaseToken: tick, lotBaseUnits: lot } = market
  if (price % tick !== 0n) return { ok: false, reason: 'price_not_on_tick' }
  if (quantity % lot !== 0n) return { ok: false, reason: 'quantity_not_on_lot' }
  const ticks = price / tick
  const lots = quantity / lot
  if (ticks > maxSafe) return { ok: false, reason: 'invalid_price' }
  if (lots > maxSafe) return { ok: false, reason: 'invalid_quantity' }
  // Both are below 2^53 (checked above): grid units, not amounts.
  return { ok: true, price: Number(ticks), lots: Number(lots) } // tidy: allow bounded grid units
}

/**
 * The engine order type of a wire order: `market` (always IOC), or a `limit` with its time in
 * force (`GTC` → `limit`, `IOC` → `ioc`, `POST_ONLY` → `post_only`).
 */
export function toOrderType(type: 'limit' | 'market', timeInForce: TimeInForce): OrderType {
  if (type === 'market') return 'market'
  if (timeInForce === 'IOC') return 'ioc'
  return timeInForce === 'POST_ONLY' ? 'post_only' : 'limit'
}
