import type Database from 'better-sqlite3'
import type { Address, TokenSymbol } from '../../../shared/intents/index.ts'
import type { BalanceChange, NonceWindowText } from '../../../shared/ledger/index.ts'
import { hexToBytes } from './hexBytes.ts'

/*
 * What a restart reads of the current state in SQLite (`balances`, `nonce_windows`), in pages of
 * rows that SQLite joins into one text each (a line per row, fields separated by spaces; keys in
 * lowercase hex). better-sqlite3 builds a JavaScript array and a Buffer for every row it returns,
 * which cost about 4 µs of CPU per row, most of a restart's read at 100,000 accounts; one text per
 * page costs a split. Pages bound the text (a few MB), whatever the state's size.
 */

/** Rows per page unless told. */
const defaultPageRows = 20_000

/** Every non-zero current balance (in no particular order). */
export function readBalances(
  sqlite: Database.Database,
  pageRows = defaultPageRows,
): BalanceChange[] {
  const page = sqlite
    .prepare(
      // The page's last key is its largest: fixed-length hex orders as the bytes do.
      "SELECT group_concat(lower(hex(address)) || ' ' || token || ' ' || available || ' ' || " +
        "locked, char(10)), count(*), max(lower(hex(address)) || ' ' || token) FROM (SELECT * " +
        'FROM balances WHERE (address, token) > (?, ?) ORDER BY address, token LIMIT ?)',
    )
    .raw()
  const balances: BalanceChange[] = []
  let after: [Buffer, string] = [Buffer.alloc(0), '']
  for (;;) {
    const [text, count, last] = page.get(...after, pageRows) as [string | null, number, string]
    if (text === null) return balances
    for (const line of text.split('\n')) {
      const [hex, token, available, locked] = line.split(' ') as [string, string, string, string]
      const balance = {
        address: `0x${hex}` as Address,
        token: token as TokenSymbol,
        available: BigInt(available),
        locked: BigInt(locked),
      }
      if (balance.available !== 0n || balance.locked !== 0n) balances.push(balance)
    }
    if (count < pageRows) return balances
    const [hex, token] = last.split(' ') as [string, string]
    after = [hexToBytes(`0x${hex}`), token]
  }
}

/**
 * Every signer's nonce window as its stored text (in no particular order), which the ledger
 * checks and keeps unparsed until the window is used.
 */
export function readNonceWindows(
  sqlite: Database.Database,
  pageRows = defaultPageRows,
): NonceWindowText[] {
  const page = sqlite
    .prepare(
      "SELECT group_concat(lower(hex(signer)) || ' ' || nonces, char(10)), count(*), " +
        'max(signer) FROM (SELECT * FROM nonce_windows WHERE signer > ? ORDER BY signer LIMIT ?)',
    )
    .raw()
  const windows: NonceWindowText[] = []
  let after: Buffer = Buffer.alloc(0)
  for (;;) {
    const [text, count, last] = page.get(after, pageRows) as [string | null, number, Buffer]
    if (text === null) return windows
    for (const line of text.split('\n')) {
      // 40 hex digits of the signer, a space, its nonces.
      windows.push({ signer: `0x${line.slice(0, 40)}` as Address, text: line.slice(41) })
    }
    if (count < pageRows) return windows
    after = last
  }
}
