/**
 * @module ledger
 * The deterministic multi-token ledger: available and locked balances in bigint base units,
 * transfers, issuer-only mints, replay protection in a bounded nonce window per signer,
 * receipts, the escrow the orderbook uses, change sets for storage and a state hash for
 * comparing replicas. Pure: no clock, randomness, I/O or floats. Everything public is listed
 * here.
 */
export type { EscrowAccounts } from './accounts.ts'
export { applyIntent, claimNonce, isReplay, type ReplayReason } from './applyIntent.ts'
export type { LedgerIntent, LedgerReceipt, LedgerRejectReason } from './applyIntent.ts'
export { LedgerConfigError, LedgerInvariantError } from './errors.ts'
export { createLedger, ledgerGenesisSchema } from './genesis.ts'
export type { LedgerGenesis } from './genesis.ts'
export { checkLedgerInvariants } from './invariants.ts'
export { Ledger } from './ledger.ts'
export { nonceMaxAgeMs, nonceMaxLeadMs, nonceWindowSize } from './nonceWindow.ts'
export type { NonceVerdict } from './nonceWindow.ts'
export type {
  Balance,
  BalanceChange,
  LedgerChanges,
  NonceWindow,
  NonceWindowText,
  UsedNonce,
} from './ledger.ts'
export { restoreLedger, snapshotLedger } from './snapshot.ts'
export type { LedgerSnapshot, StoredLedger } from './snapshot.ts'
export { stateHash, stateHashDomain } from './stateHash.ts'
