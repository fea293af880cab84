/**
 * @module exchange
 * The replicated state machine of a replica: the ledger and the matching engine behind one
 * deterministic `applyBatch(body, index)` that returns the batch's effects (receipts, balance
 * changes, nonces, order updates, trades, book deltas, engine operations) for storage and
 * events; restore from storage; submission pre-checks; markets listed against the token registry;
 * state proofs, and the judges of a replica's balance or order proof against the root a quorum
 * signed (`judgeProofAnswers.ts`, for the web app and `npm run verify` both), taken out of its
 * proven `/balances` and `/orders` answers (`splitProofAnswers.ts`). Pure: no clock,
 * randomness, I/O or floats. Everything public is listed here.
 */
export { createExchange, restoreExchange } from './createExchange.ts'
export type { ExchangeConfig, ExchangeRestoreParameters } from './createExchange.ts'
export type {
  BatchEffects,
  BookLevelDelta,
  OrderUpdate,
  Receipt,
  SkippedItem,
  TradeRecord,
} from './effects.ts'
export type { EngineOperation } from './engineOperations.ts'
export { Exchange } from './exchange.ts'
export { exchangeStateHashDomain, fullStateHash, stateHashOfRoot } from './exchangeStateHash.ts'
export { judgeBalanceProof, judgeOrderProof, readBalanceClaim } from './judgeProofAnswers.ts'
export type {
  BalanceClaim,
  BalanceProofJudgement,
  JudgeBalanceProofParameters,
  JudgeOrderProofParameters,
  OrderProofJudgement,
  ProofAnswer,
  ProofRefusal,
} from './judgeProofAnswers.ts'
export { splitBalanceProofs, splitOrderProofs, walkOpenOrderPages } from './splitProofAnswers.ts'
export { balanceLeaf, marketLeaf, nonceWindowLeaf, orderLeaf } from './stateLeaves.ts'
export { restoreParametersOf, takeStateSnapshot } from './stateSnapshot.ts'
export type { SnapshotPosition } from './stateSnapshot.ts'
export {
  decodeProofHex,
  encodeProofHex,
  verifyExchangeStateProof,
} from './verifyExchangeStateProof.ts'
export type { ExchangeParameters } from './exchange.ts'
export { devnetTokens } from './markets.ts'
export type { ListedMarket } from './markets.ts'
// The devnet markets (defined once, in shared/orderbook) beside the devnet tokens, for callers
// that set up a whole exchange.
export { devnetMarkets } from '../orderbook/index.ts'
export type { OrderState } from './orderState.ts'
export { precheckIntent } from './precheckIntent.ts'
export { prepareBatch } from './prepareBatch.ts'
export type { PrepareBatchParameters, PreparedBatch, PreparedItem } from './prepareBatch.ts'
export type { PrecheckRejectReason } from './precheckIntent.ts'
