import {
  parseBatchItem,
  type IntentRejectReason,
  verifyIntent,
  type IntentDomain,
  type SignerBackend,
  type TokenRegistry,
  type VerifiedIntent,
} from '../intents/index.ts'

/** One batch item after the state-independent checks: a verified intent, or why not. */
export type PreparedItem =
  | { readonly ok: true; readonly intent: VerifiedIntent }
  | { readonly ok: false; readonly reason: IntentRejectReason }

/**
 * A batch body after the checks that do not depend on the state: JSON, each item's form (the wire
 * object or the compact array, `parseBatchItem`), the wire schema and the intent rules, app and
 * network, and the signature. `null` when the body is not a JSON array. Plain data (bigints
 * included), so it can be computed in a worker thread and sent back.
 */
export type PreparedBatch = readonly PreparedItem[] | null

/** What `prepareBatch` needs: the token registry, the domain and optionally the backend. */
export interface PrepareBatchParameters {
  readonly tokens: TokenRegistry
  readonly domain: IntentDomain
  readonly signerBackend?: SignerBackend
}

/**
 * Parses and verifies every item of a batch body: the expensive, state-independent half of
 * `Exchange.applyBatch` (signer recovery dominates). Deterministic, never throws; replicas may
 * run it ahead of applying, in parallel, since its result depends on the body alone.
 *
 * @example
 * const prepared = prepareBatch(batch.body, { tokens, domain })
 * const effects = exchange.applyPrepared(prepared, batch.index)
 */
export function prepareBatch(body: string, parameters: PrepareBatchParameters): PreparedBatch {
  let items: unknown
  try {
    items = JSON.parse(body)
  } catch {
    return null
  }
  if (!Array.isArray(items)) return null
  const { tokens, domain, signerBackend } = parameters
  return items.map((json: unknown): PreparedItem => {
    const parsed = parseBatchItem(json, tokens, domain)
    if (!parsed.ok) return { ok: false, reason: parsed.reason }
    const verified = verifyIntent(parsed.value, domain, signerBackend)
    if (!verified.ok) return { ok: false, reason: verified.reason }
    return { ok: true, intent: verified.value }
  })
}
