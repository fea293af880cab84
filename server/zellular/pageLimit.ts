import { BATCH_COST_MIN_BYTES } from './rateLimiter.ts'

/**
 * Most batches a page of `capBytes` holds (`BatchLog.range`): each costs at least
 * `BATCH_COST_MIN_BYTES`, and the first is in whatever it costs. A peer's answer or page of
 * more is no honest node's: 32 MB (the peer-response cap) holds ~11 million empty batches, whose
 * chaining hashes alone would hold the node for ~19 s. A zsequencer page, cut by bytes alone,
 * holds more only when its batches average under `BATCH_COST_MIN_BYTES` (see the README).
 */
export function pageBatchLimit(capBytes: number): number {
  return Math.floor(capBytes / BATCH_COST_MIN_BYTES) + 1
}

/**
 * Why a peer's answer `{data: {batches: [...]}}` is refused before anything of it is checked or
 * hashed: more batches than `pageBatchLimit(capBytes)`. Null when it is not refused for that (a
 * malformed answer is left to the caller's schema).
 */
export function overPageLimit(body: unknown, capBytes: number): string | null {
  const data = (body as { data?: { batches?: unknown } } | null)?.data
  const batches = typeof data === 'object' && data !== null ? data.batches : undefined
  if (!Array.isArray(batches)) return null
  const limit = pageBatchLimit(capBytes)
  if (batches.length <= limit) return null
  return `${batches.length} batches, over the ${limit} a page holds`
}
