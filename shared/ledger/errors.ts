import { BaseError } from '../errors/index.ts'

/**
 * A genesis or snapshot that cannot be loaded. Configuration and storage are trusted inputs, so
 * a bad one is an operator or storage fault: the replica must stop rather than guess.
 */
export class LedgerConfigError extends BaseError {
  override name = 'LedgerConfigError' as const
}

/**
 * A broken ledger invariant, such as unlocking more than is locked. Only a bug in the caller
 * (the orderbook or the apply loop) can cause it, never user input, so it is thrown and the
 * replica stops instead of committing a state that other replicas would not reach.
 */
export class LedgerInvariantError extends BaseError {
  override name = 'LedgerInvariantError' as const
}
