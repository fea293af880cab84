/**
 * @module intents
 * Signed user intents: the canonical readable text a wallet signs with `personal_sign`, wire
 * schemas, a parser that never throws on hostile input, signer recovery (native libsecp256k1 with
 * a pure-JS fallback) and intent ids. Pure: no clock, randomness, I/O or floats.
 * Everything public is listed here; other files are internal to the module.
 */
export { isCanonicalAddress, parseAddress } from './address.ts'
export type { Address, AddressRejectReason } from './address.ts'
export { formatAmount, maxAmountUnits, parseAmount } from './amount.ts'
export type { Amount, AmountRejectReason } from './amount.ts'
export { batchItemEncodings, parseBatchItem, toBatchItem } from './batchItem.ts'
export type { BatchItemEncoding } from './batchItem.ts'
export { buildIntentText, intentTextTitle } from './buildIntentText.ts'
export { hashPersonalMessage } from './hashPersonalMessage.ts'
export { intentVersion, maxNonce } from './intent.ts'
export type {
  CancelAllIntent,
  CancelIntent,
  Intent,
  IntentAction,
  IntentHeader,
  IntentId,
  IntentSignature,
  MintIntent,
  OrderIntent,
  OrderSide,
  OrderType,
  SignedIntent,
  TimeInForce,
  TransferIntent,
  VerifiedIntent,
} from './intent.ts'
export { intentId, intentIdDomain } from './intentId.ts'
export { nextNonce } from './nextNonce.ts'
export { initKeccak, keccak256Hex } from './keccak.ts'
export { createCachingSignerBackend } from './cachingSignerBackend.ts'
export { nativeSignerBackend } from './nativeSignerBackend.ts'
export { nobleSignerBackend } from './nobleSignerBackend.ts'
export { parseIntent, parseUnsignedIntent } from './parseIntent.ts'
export type { ParseIntentReturnType, ParseUnsignedIntentReturnType } from './parseIntent.ts'
export { recoverIntentSigner, recoverPersonalMessageSigner } from './recoverIntentSigner.ts'
export type { RecoverSignerReturnType } from './recoverIntentSigner.ts'
export {
  intentRejectReasons,
  isIntentRejectReason,
  isStableReasonCode,
  stableReasonCodes,
} from './rejectReasons.ts'
export type { IntentRejectReason, StableReasonCode } from './rejectReasons.ts'
export type { Rejection, Result } from './result.ts'
export {
  cancelAllFieldsSchema,
  cancelFieldsSchema,
  intentFieldsSchema,
  mintFieldsSchema,
  orderFieldsSchema,
  signatureSchema,
  transferFieldsSchema,
  wireIntentSchema,
} from './schemas.ts'
export type { IntentFields, WireIntent } from './schemas.ts'
export { defaultSignerBackend } from './signerBackend.ts'
export type { SignerBackend } from './signerBackend.ts'
export { createTokenRegistry, parseMarket, parseToken } from './tokens.ts'
export type {
  MarketPair,
  TokenInfo,
  TokenRegistry,
  TokenRejectReason,
  TokenSymbol,
} from './tokens.ts'
export { toIntentFields, toWireIntent } from './toWireIntent.ts'
export { verifyIntent } from './verifyIntent.ts'
export type {
  IntentDomain,
  VerifyIntentRejectReason,
  VerifyIntentReturnType,
} from './verifyIntent.ts'
