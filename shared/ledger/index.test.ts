import { expect, it } from 'vitest'
import * as ledger from './index.ts'

it('exports exactly this public surface', () => {
  // A change here is a change to the module's API: review it as one.
  expect(Object.keys(ledger).sort()).toMatchInlineSnapshot(`
    [
      "Ledger",
      "LedgerConfigError",
      "LedgerInvariantError",
      "applyIntent",
      "checkLedgerInvariants",
      "claimNonce",
      "createLedger",
      "isReplay",
      "ledgerGenesisSchema",
      "nonceMaxAgeMs",
      "nonceMaxLeadMs",
      "nonceWindowSize",
      "restoreLedger",
      "snapshotLedger",
      "stateHash",
      "stateHashDomain",
    ]
  `)
})
