import type { MiddlewareHandler } from 'hono'
import { EventStreamPlaces } from '../eventStreamPlaces.ts'
import { SigningBudget } from '../signingBudget.ts'
import { rateLimit, RateLimiter } from './rateLimit.ts'
import { signedReadLimit } from './signedReads.ts'

/** The settings `clientLimits` reads (a replica's parameters, or an API process's). */
export interface ClientLimitSettings {
  /** Off only on an applier whose clients are its API processes (`REPLICA_RATE_LIMITS=off`). */
  readonly rateLimits: boolean
  readonly submitRatePerSecond: number
  readonly submitBurst: number
  readonly signedReadRatePerSecond: number
  readonly signedReadBurst: number
  /** The replica-wide budget of new balance signatures (`SigningBudget`), applied always. */
  readonly signaturesPerSecond: number
  readonly signaturesBurst: number
  readonly eventStreamsPerClientMax: number
}

/**
 * The per-client-address limits of one replica HTTP app, each made once and shared by every
 * route it guards, so that a client has one allowance for each kind of request whichever routes
 * it spreads them over, in a replica process as in an API process.
 */
export interface ClientLimits {
  /** `POST /transfer`, `/mint`, `/order`, `/cancel`. */
  readonly submit: MiddlewareHandler
  /**
   * Reads that cost BLS signatures, state proofs or a fan-out to every peer: `GET /balance`,
   * `/balances`, `/aggregate_balance`, `/orders?proof=1`, `/order/:id?proof=1`,
   * `/root_certificate`. Each costs one unit, or one per new balance signature it makes where
   * it makes more (`signedReadLimit`): the allowance bounds signatures, not requests. Every new
   * signature is also paid from the replica-wide `SigningBudget` (past it: 503 `overloaded`).
   */
  readonly signedRead: MiddlewareHandler
  /**
   * `GET /snapshot`: 3 at once, then one per 5 s. Each is the whole state (tens of MB at 100,000
   * accounts) and a joining replica needs one; the limit keeps one client from taking the
   * replica's bandwidth.
   */
  readonly snapshot: MiddlewareHandler
  /**
   * `GET /events`: the streams each client holds open (`eventStreamsPerClientMax`), and each
   * one's fair share of a full hub.
   */
  readonly eventStreams: EventStreamPlaces
}

const unlimited: MiddlewareHandler = async (_c, next) => {
  await next()
}

/**
 * The limits of one app. Without `rateLimits` nothing is limited: on an applier behind its API
 * processes every request comes from their address, each client already limited there, and a
 * limit here would make all their clients share one allowance (its port must be private).
 */
export function clientLimits(settings: ClientLimitSettings): ClientLimits {
  // Replica-wide, so on with or without limits per client: it guards this process's CPU.
  const signing = new SigningBudget({
    signaturesPerSecond: settings.signaturesPerSecond,
    signaturesBurst: settings.signaturesBurst,
  })
  if (!settings.rateLimits) {
    return {
      submit: unlimited,
      signedRead: signedReadLimit(undefined, signing),
      snapshot: unlimited,
      eventStreams: new EventStreamPlaces(Number.POSITIVE_INFINITY),
    }
  }
  return {
    submit: rateLimit(
      new RateLimiter({ ratePerSecond: settings.submitRatePerSecond, burst: settings.submitBurst }),
    ),
    signedRead: signedReadLimit(
      new RateLimiter({
        ratePerSecond: settings.signedReadRatePerSecond,
        burst: settings.signedReadBurst,
      }),
      signing,
    ),
    snapshot: rateLimit(new RateLimiter({ ratePerSecond: 0.2, burst: 3 })),
    eventStreams: new EventStreamPlaces(settings.eventStreamsPerClientMax),
  }
}
