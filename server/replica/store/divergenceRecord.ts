import { statusResponseSchema } from '../../../shared/api/index.ts'
import { BaseError } from '../../../shared/errors/index.ts'
import type { Divergence } from '../divergenceWatch.ts'

/*
 * A divergence this replica found in its state (`DivergenceWatch`) is kept in meta (`divergence`,
 * as JSON, in both dialects), written when it is found: a restart on the same database is
 * diverged from its start, signs nothing, and heals (SQLite) or waits for its operator
 * (PostgreSQL), instead of signing that state again until a check finds it anew. A fresh
 * database has none, and state sync installs only into a fresh one: healing clears it.
 */

/** The meta key of the divergence found in the database's state. */
export const divergenceKey = 'divergence'

/** The kept divergence is not one: the database is damaged. */
class StoredDivergenceError extends BaseError {
  override name = 'StoredDivergenceError' as const
}

const storedDivergenceSchema = statusResponseSchema.shape.diverged.unwrap()

/** The meta value of `divergence`. */
export function divergenceText(divergence: Divergence): string {
  const { index, stateHash, quorumStateHash, signers } = divergence
  return JSON.stringify({ index, stateHash, quorumStateHash, signers })
}

/**
 * The divergence a meta value holds (none without a value); throws when it is not one (the
 * database is damaged).
 */
export function parseDivergence(text: string | undefined): Divergence | undefined {
  if (text === undefined) return undefined
  const parsed = storedDivergenceSchema.safeParse(safeJson(text))
  if (!parsed.success) {
    throw new StoredDivergenceError(`the database's meta ${divergenceKey} is not a divergence`, {
      details: text,
    })
  }
  return parsed.data
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
