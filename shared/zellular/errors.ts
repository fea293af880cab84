/**
 * Errors of the Zellular SDK. Each has a literal `name` so callers can switch on it, and a
 * stable `code` for logs and tests.
 */
export class ZellularError extends Error {
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
