import type { Context } from 'hono'
import { ApiError } from './apiError.ts'
import { RateLimiter } from './middleware/rateLimit.ts'

/** Parameters of `SigningBudget`. */
export interface SigningBudgetParameters {
  /** New signatures per second, sustained, for all clients together. */
  readonly signaturesPerSecond: number
  /** New signatures at once after a quiet spell (the bucket's size). */
  readonly signaturesBurst: number
  /** Most clients whose share is remembered (default 10,000), as `RateLimiter` forgets them. */
  readonly clientsMax?: number
  /** Milliseconds; injected for tests. */
  readonly now?: () => number
}

/**
 * The part of the bucket kept for clients within their share. Three quarters are open to every
 * client, so the clients at their share still get most of the budget while nobody else asks.
 */
const reserveFraction = 1 / 4

/**
 * A client's share at once: a fifth of the reserve, so it takes five clients that have asked
 * nothing lately to empty it.
 */
const shareBurstFraction = reserveFraction / 5

/**
 * A client's share sustained: a fiftieth of the rate. The reserve refills first (the clients past
 * their share cannot take below it), so the others keep getting signatures until fifty clients
 * draw on it at their share; a wallet polling its three balances every two seconds needs 1.5 a
 * second at most, within the share of the default budget (2).
 */
const shareRateFraction = 1 / 50

/**
 * The replica-wide budget of new BLS signatures (about 2.6 ms each on the thread that applies
 * batches): a token bucket of `signaturesBurst` refilled at `signaturesPerSecond`, which bounds
 * what all clients together make, however many addresses they come from. Checked beside each
 * client's own signed-read allowance (`signedReadLimit`), never instead of it.
 *
 * Fairness: the last quarter of the bucket is a reserve that only a client within its share may
 * take, its share being a small token bucket of its own charged with every signature it takes
 * from this budget. A client (or many) past its share gets the open three quarters only, so it
 * cannot spend the whole budget, and a client that has asked little lately still gets
 * signatures while others keep the open part empty. Clients cannot be told apart beyond their
 * address: an attacker with more addresses than the reserve has shares can empty it too; the
 * cap still holds then, and reads the signature cache answers cost none of it.
 */
export class SigningBudget {
  private tokens: number
  private atMs: number
  private readonly reserve: number
  private readonly shares: RateLimiter
  private readonly now: () => number

  constructor(private readonly parameters: SigningBudgetParameters) {
    const { signaturesPerSecond, signaturesBurst } = parameters
    if (!(signaturesPerSecond > 0) || !(signaturesBurst >= 1)) {
      throw new RangeError('a signing budget needs signaturesPerSecond > 0 and signaturesBurst ≥ 1')
    }
    this.now = parameters.now ?? (() => Date.now())
    this.tokens = signaturesBurst
    this.atMs = this.now()
    this.reserve = signaturesBurst * reserveFraction
    this.shares = new RateLimiter({
      ratePerSecond: signaturesPerSecond * shareRateFraction,
      burst: Math.max(1, signaturesBurst * shareBurstFraction),
      ...(parameters.clientsMax === undefined ? {} : { clientsMax: parameters.clientsMax }),
      now: this.now,
    })
  }

  /**
   * Takes `signatures` for `client`, all or none: 0 if taken, else the milliseconds until the
   * bucket could hold them. `client` undefined: the caller's clients are not told apart (an
   * applier, whose clients are its API processes), so it draws on the whole bucket. More
   * signatures than the burst take a full bucket, so that a read of them can ever pass.
   */
  take(client: string | undefined, signatures: number): number {
    const { signaturesPerSecond, signaturesBurst } = this.parameters
    const needed = Math.min(signatures, signaturesBurst)
    const nowMs = this.now()
    const elapsedMs = Math.max(0, nowMs - this.atMs)
    this.tokens = Math.min(signaturesBurst, this.tokens + (elapsedMs * signaturesPerSecond) / 1000)
    this.atMs = nowMs
    const open = this.tokens - this.reserve
    if (open >= needed) {
      // Charged to the share as well (all or none: a client short of it is past it anyway).
      if (client !== undefined) this.shares.take(client, needed)
      this.tokens -= needed
      return 0
    }
    if (this.tokens >= needed && (client === undefined || this.shares.take(client, needed) === 0)) {
      this.tokens -= needed
      return 0
    }
    const missing = this.tokens < needed ? needed - this.tokens : needed - open
    return Math.ceil((missing * 1000) / signaturesPerSecond)
  }
}

/**
 * 503 `overloaded`: the replica-wide signing budget cannot pay for a read's new signatures now.
 * The replica's fault (busy), not the client's; the error handler adds `Retry-After`.
 */
export class SigningBudgetSpentError extends ApiError {
  /** Seconds until the budget could cover the read, for `Retry-After` (at least 1). */
  readonly retryAfterSeconds: number

  constructor(waitMs: number, signatures: number) {
    super(
      'overloaded',
      `this replica makes no more new signatures for now (this read needs ${signatures}); ` +
        'retry later or ask another replica',
    )
    this.retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000))
  }

  /** The 503 answer, in the one error shape, with `Retry-After`. */
  toResponse(c: Context): Response {
    return c.json(this.toBody(), this.status, { 'Retry-After': String(this.retryAfterSeconds) })
  }
}
