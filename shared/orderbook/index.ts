/**
 * The orderbook module: a pure, deterministic price-time matching engine with escrow, per-market
 * configuration in integer units, and market-data deltas. Test helpers live in `./testing.ts`.
 * @module
 */
export {
  baseAmount,
  defineMarket,
  devnetMarkets,
  ethUsdt,
  MarketConfigError,
  orderLockAmount,
  quoteAmount,
  toEngineMarket,
  type Market,
  type MarketConfig,
} from './markets.ts'
export {
  createMatchingEngine,
  MatchingEngine,
  UnknownMarketError,
  type CreateMatchingEngineParameters,
} from './matchingEngine.ts'
export { hashOrderId, TradeLogHasher } from './tradeLogHasher.ts'
export {
  toOrderType,
  toOrderUnits,
  type OrderUnitsRejectReason,
  type ToOrderUnitsReturnType,
} from './toOrderUnits.ts'
export type {
  BookDelta,
  CancelAllOrdersParameters,
  CancelOrderParameters,
  CancelReason,
  DepthLevel,
  DepthSnapshot,
  FillEvent,
  OpenOrder,
  OperationRejectedEvent,
  OperationResult,
  OrderAcceptedEvent,
  OrderCancelledEvent,
  OrderEvent,
  OrderFilledEvent,
  OrderRestedEvent,
  OrderSide,
  OrderType,
  PlaceOrderParameters,
  RejectReason,
} from './types.ts'
