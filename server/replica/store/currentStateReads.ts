import type Database from 'better-sqlite3'
import type { Address, TokenSymbol } from '../../../shared/intents/index.ts'
import type { BalanceChange, NonceWindowText } from '../../../shared/ledger/index.ts'
import { hexToBytes } from './hexBytes.ts'
import { keptLeafOf, type KeptLeafOfRow } from './keptLeaves.ts'

/*
 * What a restart reads of the current state in SQLite (`balances`, `nonce_windows`), in pages of
 * rows that SQLite joins into one text each (a line per row, fields separated by spaces; keys in
 * lowercase hex). better-sqlite3 builds a JavaScript array and a Buffer for every row it returns,
 * which cost about 4 µs of CPU per row, most of a restart's read at 100,000 accounts; one text per
 * page costs a split. Pages bound the text (a few MB), whatever the state's size. PostgreSQL's
 * reads (`postgresStateReads.ts`) page the same way and share the parsing of the lines.
 */

/** Rows per page of a restart's reads unless told (`restorePageRows`). */
export const restorePageRowsDefault = 20_000

/**
 * Appends the non-zero balances of a page's lines ("hex token available locked bucket digest",
 * the last two empty when the row keeps no leaf) to `into`, and each one's kept leaf to
 * `leaves`; returns the last line's key (hex address and token), where the next page starts.
 */
export function parseBalanceLines(
  text: string,
  into: BalanceChange[],
  leaves: KeptLeafOfRow[] = [],
): [string, string] {
  let hex = ''
  let token = ''
  for (const line of text.split('\n')) {
    const fields = line.split(' ') as [string, string, string, string, string?, string?]
    hex = fields[0]
    token = fields[1]
    const available = BigInt(fields[2])
    const locked = BigInt(fields[3])
    if (available !== 0n || locked !== 0n) {
      into.push({ address: `0x${hex}` as Address, token: token as TokenSymbol, available, locked })
      leaves.push(keptLeafOf(fields[4] ?? '', fields[5] ?? ''))
    }
  }
  return [hex, token]
}

/**
 * Appends the windows of a page's lines ("hex bucket digest nonces", bucket and digest empty
 * when the row keeps no leaf) to `into` as their text, and each one's kept leaf to `leaves`;
 * returns the last line's signer (hex), where the next page starts.
 */
export function parseWindowLines(
  text: string,
  into: NonceWindowText[],
  leaves: KeptLeafOfRow[] = [],
): string {
  let hex = ''
  for (const line of text.split('\n')) {
    // 40 hex digits of the signer, a space, the leaf's bucket and digest, then its nonces.
    hex = line.slice(0, 40)
    const afterBucket = line.indexOf(' ', 41)
    const afterDigest = line.indexOf(' ', afterBucket + 1)
    into.push({ signer: `0x${hex}` as Address, text: line.slice(afterDigest + 1) })
    leaves.push(keptLeafOf(line.slice(41, afterBucket), line.slice(afterBucket + 1, afterDigest)))
  }
  return hex
}

/** A row's leaf columns as the lines carry them: "bucket digest", each "" when NULL. */
const leafText = "ifnull(leaf_bucket, '') || ' ' || ifnull(hex(leaf_digest), '')"

/**
 * Every non-zero current balance (in no particular order); each one's kept leaf is appended to
 * `leaves`, in the same order.
 */
export function readBalances(
  sqlite: Database.Database,
  pageRows = restorePageRowsDefault,
  leaves: KeptLeafOfRow[] = [],
): BalanceChange[] {
  const page = sqlite
    .prepare(
      // The page's last key is its largest: fixed-length hex orders as the bytes do.
      "SELECT group_concat(lower(hex(address)) || ' ' || token || ' ' || available || ' ' || " +
        `locked || ' ' || ${leafText}, char(10)), count(*), ` +
        "max(lower(hex(address)) || ' ' || token) FROM (SELECT * " +
        'FROM balances WHERE (address, token) > (?, ?) ORDER BY address, token LIMIT ?)',
    )
    .raw()
  const balances: BalanceChange[] = []
  let after: [Buffer, string] = [Buffer.alloc(0), '']
  for (;;) {
    const [text, count, last] = page.get(...after, pageRows) as [string | null, number, string]
    if (text === null) return balances
    parseBalanceLines(text, balances, leaves)
    if (count < pageRows) return balances
    const [hex, token] = last.split(' ') as [string, string]
    after = [hexToBytes(`0x${hex}`), token]
  }
}

/**
 * Every signer's nonce window as its stored text (in no particular order), which the ledger
 * checks and keeps unparsed until the window is used; each one's kept leaf is appended to
 * `leaves`, in the same order.
 */
export function readNonceWindows(
  sqlite: Database.Database,
  pageRows = restorePageRowsDefault,
  leaves: KeptLeafOfRow[] = [],
): NonceWindowText[] {
  const page = sqlite
    .prepare(
      `SELECT group_concat(lower(hex(signer)) || ' ' || ${leafText} || ' ' || nonces, ` +
        'char(10)), count(*), ' +
        'max(signer) FROM (SELECT * FROM nonce_windows WHERE signer > ? ORDER BY signer LIMIT ?)',
    )
    .raw()
  const windows: NonceWindowText[] = []
  let after: Buffer = Buffer.alloc(0)
  for (;;) {
    const [text, count, last] = page.get(after, pageRows) as [string | null, number, Buffer]
    if (text === null) return windows
    parseWindowLines(text, windows, leaves)
    if (count < pageRows) return windows
    after = last
  }
}
