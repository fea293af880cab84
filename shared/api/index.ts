/**
 * @module api
 * The replica HTTP API contract: zod schemas and inferred types of every request, response and
 * SSE event, the one error shape, and the replica registry. The server validates with these and
 * the web app parses with them. Pure. Everything public is listed here.
 *
 * Routes (all JSON; errors `errorResponseSchema` with the status of `apiErrorStatus`):
 * - `POST /transfer`, `/mint`, `/order`, `/cancel`: `submitIntentRequestSchema` → 202
 *   `submitIntentResponseSchema`
 * - `GET /tx/:id` → `txResponseSchema`
 * - `GET /balance?address&token[&index]` → `signedBalanceSchema`
 * - `GET /balances?address[&index]` → `balancesResponseSchema`; `GET /balances?address&proof=1`
 *   → `provenBalancesResponseSchema` (503 `proof_unavailable` when not provable now)
 * - `GET /aggregate_balance?address&token[&index]` → `aggregateBalanceResponseSchema`
 * - `GET /root[?index]` → `signedRootSchema` of `shared/attest` (404 `root_not_kept`)
 * - `GET /status` → `statusResponseSchema`; `GET /network` → `networkResponseSchema`
 * - `GET /markets` → `marketsResponseSchema`; `GET /orderbook?market[&depth]` →
 *   `orderbookResponseSchema`; `GET /orders?address[&market][&limit][&cursor][&proof=1]` →
 *   `ordersResponseSchema` (with `proof=1`, `proofs`: `orderProofsSchema`);
 *   `GET /order/:id[?proof=1]` → `orderResponseSchema` (404 `order_not_found`);
 *   `GET /trades?market[&limit][&cursor]` → `tradesResponseSchema` (pages: `limit` up to
 *   `ordersPageMax` / `tradesPageMax`, `next` is the following cursor)
 * - `GET /events[?address][&types]`: SSE, `sseEventSchemas` (503 `too_many_subscribers` when full,
 *   429 `rate_limited` past a client's share; `reset` before closing a stream that fell too far
 *   behind, or whose place a client with fewer streams took)
 */
export {
  aggregateBalanceResponseSchema,
  balancesResponseSchema,
  blsPublicKeySchema,
  blsSignatureSchema,
  nonSignerReasonSchema,
  signedBalanceSchema,
} from './balances.ts'
export type {
  AggregateBalanceResponse,
  BalancesResponse,
  NonSignerReason,
  SignedBalance,
} from './balances.ts'
export { apiErrorStatus, errorResponseSchema } from './errors.ts'
export type { ApiErrorCode, ErrorResponse } from './errors.ts'
export {
  appliedEventSchema,
  balanceEventSchema,
  bookEventSchema,
  heartbeatEventSchema,
  helloEventSchema,
  orderEventSchema,
  parseSseEvent,
  receiptEventSchema,
  resetEventSchema,
  sseEventSchemas,
  tradeEventSchema,
} from './events.ts'
export type {
  AppliedEvent,
  BalanceEvent,
  BookEvent,
  HeartbeatEvent,
  HelloEvent,
  OrderUpdateEvent,
  ReceiptEvent,
  ResetEvent,
  SseEvent,
  SseEventName,
  TradeEvent,
} from './events.ts'
export {
  baseUnitsSchema,
  batchTimeSchema,
  canonicalAddressSchema,
  hash32Schema,
  intentActionSchema,
  intentStatusSchema,
  reasonCodeSchema,
  submitIntentRequestSchema,
  submitIntentResponseSchema,
  txResponseSchema,
} from './intents.ts'
export type {
  IntentStatus,
  SubmitIntentRequest,
  SubmitIntentResponse,
  TxResponse,
} from './intents.ts'
export {
  bookLevelSchema,
  marketInfoSchema,
  marketsResponseSchema,
  orderbookResponseSchema,
  orderFillSchema,
  orderFillsMax,
  orderResponseSchema,
  ordersResponseSchema,
  orderSideSchema,
  orderStatusSchema,
  orderViewSchema,
  tokenInfoSchema,
  tradeSchema,
  tradesResponseSchema,
} from './market.ts'
export type {
  BookLevel,
  MarketInfo,
  MarketsResponse,
  OrderbookResponse,
  OrderFill,
  OrderResponse,
  OrdersResponse,
  OrderStatus,
  OrderView,
  Trade,
  TradesResponse,
} from './market.ts'
export {
  balanceProofSchema,
  orderProofSchema,
  orderProofsSchema,
  provenOrderPagesMax,
  provenBalancesResponseSchema,
} from './proofs.ts'
export type { BalanceProof, OrderProof, OrderProofs, ProvenBalancesResponse } from './proofs.ts'
export {
  balanceQuerySchema,
  balancesQuerySchema,
  eventsQuerySchema,
  orderbookQuerySchema,
  ordersPageMax,
  orderQuerySchema,
  ordersQuerySchema,
  rootQuerySchema,
  tradesPageMax,
  tradesQuerySchema,
} from './queries.ts'
export type {
  BalanceQuery,
  BalancesQuery,
  EventsQuery,
  OrderbookQuery,
  OrdersQuery,
  TradesQuery,
} from './queries.ts'
export { replicaRegistrySchema } from './registry.ts'
export { snapshotOrderSchema, stateSnapshotSchema } from './snapshot.ts'
export type { SnapshotOrder, StateSnapshot } from './snapshot.ts'
export type { ReplicaRegistry } from './registry.ts'
export { networkResponseSchema, statusResponseSchema, zellularNodeSchema } from './status.ts'
export type { NetworkResponse, StatusResponse, ZellularNode } from './status.ts'
