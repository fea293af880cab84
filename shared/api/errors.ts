import { z } from 'zod'

/**
 * The one error body of every 4xx and 5xx answer of a replica. `code` is a stable snake_case
 * name of the broken fact (never renamed once shipped); `message` is for people; `field` names
 * the offending request field (wire name, or query parameter) when there is one.
 *
 * @example
 * { "error": { "code": "amount_not_positive", "message": "amount must be > 0", "field": "amount" }}
 */
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/),
    message: z.string(),
    field: z.string().optional(),
  }),
})

/** An error answer body; see `errorResponseSchema`. */
export type ErrorResponse = z.infer<typeof errorResponseSchema>

/**
 * Error codes of the replica API with their HTTP status. Besides these, any
 * `IntentRejectReason` of `shared/intents` (e.g. `invalid_address`, `unknown_token`,
 * `amount_too_precise`, `wrong_app`) is answered with 400, except `invalid_signature` and
 * `signer_mismatch` which are 401. 4xx: the client's fault; 5xx: the replica's or the network's.
 */
export const apiErrorStatus = {
  /** The body is not JSON. */
  malformed_json: 400,
  /** A query parameter is missing or malformed; `field` names it. */
  invalid_request: 400,
  /** The intent's `action` does not belong on this route (e.g. an order sent to /transfer). */
  wrong_action: 400,
  /** The signature is malformed or recovers no key. */
  invalid_signature: 401,
  /** The signature is valid but recovers another address than `signer`. */
  signer_mismatch: 401,
  /** No such route. */
  not_found: 404,
  /** GET /tx/:id for an intent this replica never saw. */
  unknown_intent: 404,
  /** A market this replica does not trade. */
  unknown_market: 404,
  /** GET /order/:id for an order this replica does not hold (never placed, or pruned). */
  order_not_found: 404,
  /**
   * History the request reaches (e.g. trades below a cursor) is older than this replica keeps:
   * it was pruned (`REPLICA_HISTORY_RETAIN_BATCHES`); the state it led to is still served.
   */
  pruned: 404,
  /**
   * A balance asked at an index this replica applied before it kept chaining hashes (a
   * database from before migration 0004): it cannot bind that balance to its history.
   */
  chaining_hash_unknown: 404,
  /**
   * `GET /root?index`: this replica computed no state hash at that index, or no longer keeps
   * its attestation (only recent ones are kept); ask for the latest, or another replica.
   */
  root_not_kept: 404,
  /** The method is not allowed on this route. */
  method_not_allowed: 405,
  /** (signer, nonce) was already submitted or applied: the intent can apply at most once. */
  replay: 409,
  /** `index` is above the replica's applied index; ask again later. */
  index_ahead: 409,
  /** The body exceeds the size limit. */
  body_too_large: 413,
  /** Cheap pre-checks against the current state: the intent would certainly be rejected. */
  insufficient_available: 422,
  not_issuer: 422,
  self_transfer: 422,
  price_not_on_tick: 422,
  quantity_not_on_lot: 422,
  invalid_price: 422,
  invalid_quantity: 422,
  below_min_size: 422,
  above_max_size: 422,
  unknown_order: 422,
  not_owner: 422,
  /** A cancel-all of a signer with no open (or pending) order in that market. */
  no_open_orders: 422,
  /**
   * This client (IP address) sent more requests than its rate allows, or holds as many event
   * streams as one client may; see `Retry-After`.
   */
  rate_limited: 429,
  /**
   * `GET /balances?proof=1`: the replica's tree cannot prove the value at its latest state hash
   * right now (a key of the bucket changed since, or a new hash was made meanwhile); retry.
   */
  proof_unavailable: 503,
  /**
   * `GET /snapshot`: the replica made no state hash at its applied index in time (it hashes at
   * root checkpoints and when idle); retry, or ask another replica.
   */
  snapshot_unavailable: 503,
  /**
   * Too many intents waiting to be sequenced, aggregates being gathered, or new balance
   * signatures asked of the replica for now (its signing budget); retry after `Retry-After`
   * where given.
   */
  overloaded: 503,
  /**
   * The replica holds as many event streams as it allows, and the asking client would hold as
   * many as the address that holds the most; retry after `Retry-After` seconds.
   */
  too_many_subscribers: 503,
  /**
   * No Zellular node accepted the batch. No longer answered by the submit routes: a failed send
   * may still have delivered the batch, so they answer 202 with status `unknown` and send it
   * again. Clients still meet it from older replicas, and must read it as "unknown" too.
   */
  sequencer_unavailable: 503,
  /** Fewer replicas than the quorum gave a valid, agreeing signature. */
  quorum_not_reached: 503,
  /**
   * A commit failed (e.g. a full disk) after the replica's memory had moved ahead of its
   * database: it signs nothing more and exits; after a restart it serves the last commit.
   */
  replica_halted: 503,
  /**
   * A quorum of the other replicas signed another state root than this replica at an index it
   * applied: it signs nothing until state sync has replaced its state; ask another replica.
   */
  replica_diverged: 503,
  /**
   * The replica could not record the intent on its disk (full, I/O error), so it did not send
   * it and does not acknowledge it: nothing happened; retry later or at another replica.
   */
  storage_unavailable: 503,
  /**
   * An API process of the replica could not reach the replica's applier, which it forwards
   * submissions and status to and takes its live events from: retry later or at another replica.
   */
  applier_unavailable: 503,
  /** A bug or a storage fault; details are in the replica's log. */
  internal_error: 500,
} as const

/** A code listed in `apiErrorStatus`. */
export type ApiErrorCode = keyof typeof apiErrorStatus
