import type pg from 'pg'
import type { BalanceChange, NonceWindowText } from '../../../shared/ledger/index.ts'
import { parseBalanceLines, parseWindowLines, restorePageRowsDefault } from './currentStateReads.ts'
import { hexToBytes } from './hexBytes.ts'
import type { KeptLeafOfRow } from './keptLeaves.ts'

/*
 * What a restart reads of the current state in PostgreSQL (`balances`, `nonce_windows`), paged as
 * SQLite's reads are (`currentStateReads.ts`): each page is one statement that joins up to
 * `pageRows` rows, in key order, into one text of a line per row, so node-postgres builds one
 * string per page instead of an object and a Buffer per row, and no answer holds more than a
 * page whatever the state's size. Pages follow the primary key from the last key of the previous
 * one. The caller runs them in one snapshot (`PostgresReads.snapshot`), so they are of one
 * position.
 */

/** A row's leaf columns as the lines carry them: "bucket digest", each "" when NULL. */
const LEAF_TEXT =
  "coalesce(leaf_bucket::text, '') || ' ' || coalesce(encode(leaf_digest, 'hex'), '')"

const BALANCES_PAGE =
  "SELECT string_agg(encode(address, 'hex') || ' ' || token || ' ' || available || ' ' || " +
  `locked || ' ' || ${LEAF_TEXT}, E'\\n' ORDER BY address, token) AS text, ` +
  'count(*)::int AS count FROM (SELECT * ' +
  'FROM balances WHERE (address, token) > ($1::bytea, $2::text) ORDER BY address, token ' +
  'LIMIT $3) AS page'

const WINDOWS_PAGE =
  `SELECT string_agg(encode(signer, 'hex') || ' ' || ${LEAF_TEXT} || ' ' || nonces, ` +
  "E'\\n' ORDER BY signer) AS text, " +
  'count(*)::int AS count FROM (SELECT * FROM nonce_windows WHERE signer > $1::bytea ' +
  'ORDER BY signer LIMIT $2) AS page'

interface PageRow {
  readonly text: string | null
  readonly count: number
}

/**
 * Every non-zero current balance, by address then token; each one's kept leaf is appended to
 * `leaves`, in the same order.
 */
export async function readBalancesPg(
  client: pg.ClientBase,
  pageRows = restorePageRowsDefault,
  leaves: KeptLeafOfRow[] = [],
): Promise<BalanceChange[]> {
  const balances: BalanceChange[] = []
  let after: [Buffer, string] = [Buffer.alloc(0), '']
  for (;;) {
    const { rows } = await client.query<PageRow>(BALANCES_PAGE, [...after, pageRows])
    const { text, count } = rows[0]!
    if (text === null) return balances
    const [hex, token] = parseBalanceLines(text, balances, leaves)
    if (count < pageRows) return balances
    after = [hexToBytes(`0x${hex}`), token]
  }
}

/**
 * Every signer's nonce window as its stored text, by signer (the ledger checks it); each one's
 * kept leaf is appended to `leaves`, in the same order.
 */
export async function readNonceWindowsPg(
  client: pg.ClientBase,
  pageRows = restorePageRowsDefault,
  leaves: KeptLeafOfRow[] = [],
): Promise<NonceWindowText[]> {
  const windows: NonceWindowText[] = []
  let after: Buffer = Buffer.alloc(0)
  for (;;) {
    const { rows } = await client.query<PageRow>(WINDOWS_PAGE, [after, pageRows])
    const { text, count } = rows[0]!
    if (text === null) return windows
    const hex = parseWindowLines(text, windows, leaves)
    if (count < pageRows) return windows
    after = hexToBytes(`0x${hex}`)
  }
}
