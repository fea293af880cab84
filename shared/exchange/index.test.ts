import { expect, it } from 'vitest'
import * as module from './index.ts'

it('exports exactly this public surface', () => {
  // A change here is a change to the module's API: review it as one.
  expect(Object.keys(module).sort()).toMatchInlineSnapshot(`
    [
      "Exchange",
      "balanceLeaf",
      "createExchange",
      "decodeProofHex",
      "devnetMarkets",
      "devnetTokens",
      "encodeProofHex",
      "exchangeStateHashDomain",
      "fullStateHash",
      "judgeBalanceProof",
      "judgeOrderProof",
      "marketLeaf",
      "nonceWindowLeaf",
      "orderLeaf",
      "precheckIntent",
      "prepareBatch",
      "readBalanceClaim",
      "restoreExchange",
      "restoreParametersOf",
      "splitBalanceProofs",
      "splitOrderProofs",
      "stateHashOfRoot",
      "takeStateSnapshot",
      "verifyExchangeStateProof",
      "walkOpenOrderPages",
    ]
  `)
})
