import { z } from 'zod'
import { ProofError } from './errors.ts'
import { finalizationVoteMessage, legacySyncPointMessage, syncPointMessage } from './messages.ts'
import type { AggregateSignature, Network } from './network.ts'

/**
 * A lock or finalization proof as nodes serve it (`finalized_signatures[]` entries, the sequencer's
 * `last_locked_signature`). A finalization proof signs state `locked`; a lock proof `sequenced`.
 */
const signatureRecordSchema = z.object({
  state: z.enum(['sequenced', 'locked']),
  index: z.number().int().positive(),
  parent_index: z.number().int().nonnegative(),
  chaining_hash: z.string().regex(/^[0-9a-f]{32}$/),
  signature: z.string(),
  nonsigners: z
    .array(z.string())
    .nullable()
    .transform((list) => list ?? []),
  tag: z.union([z.number(), z.string()]).optional().default(0),
  timestamp: z.number().int().nonnegative(),
})
export type SignatureRecord = z.output<typeof signatureRecordSchema>

/** The legacy v0.1.5 page proof: no parent index or timestamp in the signed message. */
export const legacySignatureRecordSchema = z.object({
  index: z.number().int().nonnegative(),
  chaining_hash: z.string(),
  signature: z.string(),
  nonsigners: z
    .array(z.string())
    .nullable()
    .transform((list) => list ?? []),
  tag: z.union([z.number(), z.string()]).optional().default(0),
})
export type LegacySignatureRecord = z.output<typeof legacySignatureRecordSchema>

/** What verifying a proof checks: its aggregate signature over the sync-point message. */
export interface ProofCheck {
  readonly message: string
  readonly aggregate: AggregateSignature
}

/**
 * The check of a v0.1.7 sync-point proof for `app`. Lock proofs are always checked with
 * timestamp 0: zsequencer overwrites the stored timestamp when the same index is finalized (its
 * Q4 defect).
 */
export function signatureRecordCheck(app: string, record: SignatureRecord): ProofCheck {
  const message = syncPointMessage({
    app_name: app,
    state: record.state,
    index: record.index,
    chaining_hash: record.chaining_hash,
    parent_index: record.parent_index,
    timestamp: record.state === 'sequenced' ? 0 : record.timestamp,
  })
  return { message, aggregate: record }
}

/** The check of a legacy (v0.1.5) finalization proof, whose state is always `locked`. */
export function legacyRecordCheck(app: string, record: LegacySignatureRecord): ProofCheck {
  const message = legacySyncPointMessage({
    app_name: app,
    state: 'locked',
    index: record.index,
    chaining_hash: record.chaining_hash,
  })
  return { message, aggregate: record }
}

/**
 * Verifies a v0.1.7 sync-point proof for `app` (`signatureRecordCheck`).
 * @throws ProofError
 */
export function verifySignatureRecord(network: Network, app: string, record: SignatureRecord) {
  network.verifyAggregates([signatureRecordCheck(app, record)])
}

/**
 * Verifies a legacy (v0.1.5) finalization proof (`legacyRecordCheck`).
 * @throws ProofError
 */
export function verifyLegacyRecord(network: Network, app: string, record: LegacySignatureRecord) {
  network.verifyAggregates([legacyRecordCheck(app, record)])
}

/**
 * A time lock: a threshold's aggregated `finalizationVoteMessage` signatures on one vote. Not in
 * zsequencer; our sequencer gathers one before each finalization and sends it with the request.
 */
const timeLockSchema = z.object({
  parent_index: z.number().int().nonnegative(),
  index: z.number().int().positive(),
  chaining_hash: z.string().regex(/^[0-9a-f]{32}$/),
  timestamp: z.number().int().nonnegative(),
  view: z.number().int().nonnegative(),
  signature: z.string(),
  nonsigners: z.array(z.string()),
})
export type TimeLock = z.output<typeof timeLockSchema>

/** Parses an untrusted time lock, turning schema failures into `ProofError('malformed')`. */
export function parseTimeLock(value: unknown): TimeLock {
  return parseProof(timeLockSchema, value)
}

/** The check of a time lock of `app`: its aggregate over its vote (`finalizationVoteMessage`). */
export function timeLockCheck(app: string, lock: TimeLock): ProofCheck {
  const message = finalizationVoteMessage({
    app_name: app,
    parent_index: lock.parent_index,
    index: lock.index,
    chaining_hash: lock.chaining_hash,
    timestamp: lock.timestamp,
    view: lock.view,
  })
  return { message, aggregate: lock }
}

/**
 * Verifies a time lock of `app` (`timeLockCheck`): its aggregate signs its vote, with the
 * threshold's stake.
 * @throws ProofError
 */
export function verifyTimeLock(network: Network, app: string, lock: TimeLock): void {
  network.verifyAggregates([timeLockCheck(app, lock)])
}

/** Parses an untrusted proof, turning schema failures into `ProofError('malformed')`. */
export function parseSignatureRecord(value: unknown): SignatureRecord {
  return parseProof(signatureRecordSchema, value)
}

/** Parses untrusted `value` with `schema`; a schema failure is `ProofError('malformed')`. */
export function parseProof<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value)
  if (!result.success) throw new ProofError('malformed', result.error.issues[0]?.message ?? '')
  return result.data
}
