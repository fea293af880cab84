import {
  balanceLeaf,
  nonceWindowLeaf,
  type ExchangeRestoreParameters,
} from '../../../shared/exchange/index.ts'
import { hashLeaf } from '../../../shared/stateHash/index.ts'

/*
 * Each current balance and nonce window row keeps its state-tree leaf beside its value:
 * `leaf_bucket` and `leaf_digest` (`hashLeaf` of the row's leaf, migrations 0012 and pg 0005),
 * written in the same statement as the value, so they are of one state whatever instant a crash
 * comes at. A restart rebuilds the tree from them (`ExchangeStateHash.restore`) instead of hashing
 * every value again; a row from before the migration has NULLs there, and its leaf is hashed
 * from its value.
 */

/** What a restart reads of the kept leaves (`ExchangeRestoreParameters.ledgerLeaves`). */
export type KeptLedgerLeaves = NonNullable<ExchangeRestoreParameters['ledgerLeaves']>

/** One row's kept leaf: its bucket and digest (hex), or undefined when the row has none. */
export type KeptLeafOfRow = KeptLedgerLeaves['balances'][number]

/** The leaf columns (bucket, digest) of a non-zero balance. */
export function balanceLeafColumns(
  address: string,
  token: string,
  available: bigint,
  locked: bigint,
): [number, Buffer] {
  return leafColumns(balanceLeaf(address, token, { available, locked }))
}

/** The leaf columns (bucket, digest) of a non-empty nonce window, as its stored text. */
export function windowLeafColumns(signer: string, text: string): [number, Buffer] {
  return leafColumns(nonceWindowLeaf(signer, text))
}

function leafColumns([key, value]: readonly [string, string | undefined]): [number, Buffer] {
  if (value === undefined) throw new Error(`${key} has no leaf: its row is deleted, not written`)
  const { bucket, digest } = hashLeaf(key, value)
  return [bucket, Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength)]
}

/** A row's kept leaf from the text of its columns, each "" when NULL. */
export function keptLeafOf(bucket: string, digestHex: string): KeptLeafOfRow {
  if (bucket === '' || digestHex === '') return undefined
  return { bucket: Number(bucket), digest: digestHex }
}
