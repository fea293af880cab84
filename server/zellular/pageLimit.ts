import { pageBatchLimit } from '../../shared/zellular/index.ts'

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
