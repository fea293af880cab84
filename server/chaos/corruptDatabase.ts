import Database from 'better-sqlite3'
import { BaseError } from '../../shared/errors/index.ts'

/** The database holds no balance the corruption could change. */
class NothingToCorruptError extends BaseError {
  override name = 'NothingToCorruptError' as const
}

/**
 * Edits a stopped replica's SQLite database as `divergenceCluster.test.ts` does, so that its
 * restart holds a state nobody else has: one `balances` row's available amount is multiplied by
 * ten and its kept leaf (`leaf_bucket`, `leaf_digest`) cleared, so the restart hashes the edited
 * row instead of reusing the leaf of the honest one. The row is the `pick`-th (modulo) of those
 * with a non-zero available amount, in key order; a zero stays zero when multiplied.
 *
 * @returns the change in words, e.g. `balances 0x… BTC available 7 -> 70`.
 */
export function corruptReplicaDatabase(file: string, pick: number): string {
  const sqlite = new Database(file)
  try {
    const rows = sqlite
      .prepare(
        `SELECT address, token, available FROM balances WHERE available <> '0'
         ORDER BY address, token`,
      )
      .all() as { address: Buffer; token: string; available: string }[]
    if (rows.length === 0) throw new NothingToCorruptError('no non-zero available balance')
    const row = rows[pick % rows.length]!
    const raised = tenfold(sqlite, row.address, row.token)
    const address = `0x${row.address.toString('hex')}`
    return `balances ${address} ${row.token} available ${row.available} -> ${raised}`
  } finally {
    sqlite.close()
  }
}

/**
 * Multiplies the available balance of (`address`, `token`) in a stopped replica's SQLite
 * database by ten, as `corruptReplicaDatabase` does to the row it picks (the divergence tests
 * name theirs); throws when there is no such row.
 * @returns the new amount
 */
export function tenfoldBalance(file: string, address: string, token: string): string {
  const sqlite = new Database(file)
  try {
    return tenfold(sqlite, Buffer.from(address.toLowerCase().slice(2), 'hex'), token)
  } finally {
    sqlite.close()
  }
}

/** The edit itself: the amount times ten, and the row's kept leaf cleared (see above). */
function tenfold(sqlite: Database.Database, address: Buffer, token: string): string {
  const row = sqlite
    .prepare('SELECT available FROM balances WHERE address = ? AND token = ?')
    .get(address, token) as { available: string } | undefined
  if (row === undefined) throw new NothingToCorruptError(`no ${token} balance of that address`)
  const raised = (BigInt(row.available) * 10n).toString()
  sqlite
    .prepare(
      `UPDATE balances SET available = ?, leaf_bucket = NULL, leaf_digest = NULL
       WHERE address = ? AND token = ?`,
    )
    .run(raised, address, token)
  return raised
}
