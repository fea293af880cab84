import { expect, it } from 'vitest'
import * as intents from './index.ts'

it('exports exactly this public surface', () => {
  // A change here is a change to the module's API: review it as one.
  expect(Object.keys(intents).sort()).toMatchInlineSnapshot(`
    [
      "batchItemEncodings",
      "buildIntentText",
      "cancelAllFieldsSchema",
      "cancelFieldsSchema",
      "createCachingSignerBackend",
      "createTokenRegistry",
      "defaultSignerBackend",
      "formatAmount",
      "hashPersonalMessage",
      "initKeccak",
      "intentFieldsSchema",
      "intentId",
      "intentIdDomain",
      "intentRejectReasons",
      "intentTextTitle",
      "intentVersion",
      "isCanonicalAddress",
      "isIntentRejectReason",
      "isStableReasonCode",
      "keccak256Hex",
      "maxAmountUnits",
      "maxNonce",
      "mintFieldsSchema",
      "nativeSignerBackend",
      "nextNonce",
      "nobleSignerBackend",
      "orderFieldsSchema",
      "parseAddress",
      "parseAmount",
      "parseBatchItem",
      "parseIntent",
      "parseMarket",
      "parseToken",
      "parseUnsignedIntent",
      "recoverIntentSigner",
      "recoverPersonalMessageSigner",
      "signatureSchema",
      "stableReasonCodes",
      "toBatchItem",
      "toIntentFields",
      "toWireIntent",
      "transferFieldsSchema",
      "verifyIntent",
      "wireIntentSchema",
    ]
  `)
})
