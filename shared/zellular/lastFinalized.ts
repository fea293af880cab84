import { z } from 'zod'
import { ProofError } from './errors.ts'
import type { Network } from './network.ts'
import {
  parseProof,
  parseSignatureRecord,
  verifyLegacyRecord,
  verifySignatureRecord,
} from './proof.ts'

/** The last finalized batch as a node reports it, its finalization proof checked. */
export interface LastFinalized {
  readonly index: number
  /** The chaining hash the finalization proof signs. */
  readonly chainingHash: string
  /**
   * The batch body as the node sent it. The proof signs the chaining hash only, which also
   * depends on the previous hash, so this body is NOT covered; use `batches()` for verified ones.
   */
  readonly body: string
}

const nonsigners = z
  .array(z.string())
  .nullish()
  .transform((list) => list ?? [])
const tag = z.union([z.number(), z.string()]).nullish()

/** v0.1.7 `StatefulBatch`: the proof is `finalized_signature` over the parent/timestamp message. */
const currentRecordSchema = z.object({
  app_name: z.string().optional(),
  body: z.string(),
  index: z.number(),
  chaining_hash: z.string(),
  parent_index: z.number(),
  timestamp: z.number(),
  finalized_signature: z.string(),
  finalized_nonsigners: nonsigners,
  finalized_tag: tag,
})

/** v0.1.5 `StatefulBatch`: `finalization_signature` signs the message without parent and time. */
const legacyRecordSchema = z.object({
  app_name: z.string().optional(),
  body: z.string(),
  index: z.number().int().positive(),
  chaining_hash: z.string().regex(/^[0-9a-f]{32}$/),
  finalization_signature: z.string(),
  finalized_nonsigners: nonsigners,
  finalized_tag: tag,
})

/**
 * Verifies the `data` of `GET /node/{app}/batches/finalized/last`, detecting the format from its
 * keys (`finalized_signature` in v0.1.7, `finalization_signature` in v0.1.5), and returns the
 * index, signed chaining hash and body; `null` when the node has finalized nothing.
 * @throws ProofError when the record is malformed, names another app or its proof fails.
 * @example
 * const last = verifyLastFinalized(network, 'simple_app', envelope.data)
 * if (last) console.info(`finalized up to ${last.index}`)
 */
export function verifyLastFinalized(
  network: Network,
  app: string,
  data: unknown,
): LastFinalized | null {
  if (data === null) return null
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ProofError('malformed', 'the last finalized record is not an object')
  }
  if ('finalized_signature' in data) {
    const record = parse(currentRecordSchema, data, app)
    const proof = parseSignatureRecord({
      state: 'locked',
      index: record.index,
      parent_index: record.parent_index,
      chaining_hash: record.chaining_hash,
      signature: record.finalized_signature,
      nonsigners: record.finalized_nonsigners,
      tag: record.finalized_tag ?? 0,
      timestamp: record.timestamp,
    })
    verifySignatureRecord(network, app, proof)
    return { index: proof.index, chainingHash: proof.chaining_hash, body: record.body }
  }
  if ('finalization_signature' in data) {
    const record = parse(legacyRecordSchema, data, app)
    verifyLegacyRecord(network, app, {
      index: record.index,
      chaining_hash: record.chaining_hash,
      signature: record.finalization_signature,
      nonsigners: record.finalized_nonsigners,
      tag: record.finalized_tag ?? 0,
    })
    return { index: record.index, chainingHash: record.chaining_hash, body: record.body }
  }
  throw new ProofError('malformed', 'the record has neither finalized_signature nor the legacy one')
}

function parse<T extends { app_name?: string | undefined }>(
  schema: z.ZodType<T>,
  data: unknown,
  app: string,
): T {
  const record = parseProof(schema, data)
  if (record.app_name !== undefined && record.app_name !== app) {
    throw new ProofError('malformed', `the record is for app ${record.app_name}, not ${app}`)
  }
  return record
}
