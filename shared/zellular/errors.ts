/**
 * Errors of the Zellular SDK. Each has a literal `name` so callers can switch on it, and a
 * stable `code` for logs and tests.
 */
import { BaseError } from '../errors/index.ts'

export class ZellularError extends BaseError {
  override name = 'ZellularError'
}

export type ProofFailure =
  | 'malformed'
  | 'chain_mismatch'
  | 'bad_signature'
  | 'unknown_nonsigner'
  | 'duplicate_nonsigner'
  | 'insufficient_stake'
  | 'broken_parent_link'

/** A finalization or lock proof, or the batches it covers, did not check out. */
export class ProofError extends ZellularError {
  override name = 'ProofError'
  constructor(
    readonly code: ProofFailure,
    message: string,
  ) {
    super(`${code}: ${message}`)
  }
}

/** A node answered with an error envelope (or a non-JSON error). */
export class NodeHttpError extends ZellularError {
  override name = 'NodeHttpError'
  constructor(
    readonly url: string,
    readonly status: number,
    /** zsequencer's error class name, e.g. `NotSyncedError`; `HTTPError` when there is none. */
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code} from ${url}: ${message}`)
  }
}

/** No node of the network could serve the request. */
export class NoAvailableNodeError extends ZellularError {
  override name = 'NoAvailableNodeError'
}

/** Why a node's unproven batches were given up: too many held, too many pages, too long. */
export type UnprovenLimit = 'batches' | 'bytes' | 'pages' | 'time'

/**
 * A node served chained batches that no finalization proof covered within the client's limits:
 * too many held at once (`batches`, `bytes`), or no proof for too many pages in a row (`pages`)
 * or for too long (`time`). Honest nodes end every finalized page at a proof unless the page is
 * cut at their size cap, so this is a node that stalls its readers (or limits set below the
 * network's gap between two finalizations). The client leaves such a node for the next one.
 */
export class UnprovenPagesError extends ZellularError {
  override name = 'UnprovenPagesError'
  constructor(
    readonly limit: UnprovenLimit,
    message: string,
  ) {
    super(`${limit}: ${message}`)
  }
}

/**
 * A node kept the reader behind an index another node proved finalized for longer than the
 * client's `maxBehindMs`: it serves less than the network has finalized (it lags, or drips valid
 * pages just inside the timeouts). The client leaves it for the next node.
 */
export class LaggingNodeError extends ZellularError {
  override name = 'LaggingNodeError'
}
