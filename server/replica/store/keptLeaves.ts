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
 * from its value. The format they were kept under is recorded in meta (`leaf_format`): a store
 * opened by code of another format (`stateLeafFormat`) forgets them, so a new tree format needs
 * no migration and no restart ever builds a root from leaves of another tree.
 */

/** The meta key of the format the kept leaves are of. */
export const leafFormatKey = 'leaf_format'

/**
 * The format of leaves kept before the format was recorded: the 18-bit tree of migrations 0013
 * and pg 0006, which forgot the leaves of the 16-bit one.
 */
const unrecordedLeafFormat = 'leaf 1, 18-bit buckets'

/** Whether leaves kept under `recorded` (meta's value, if any) are of another format than `format`. */
export function keptLeavesOfAnotherFormat(recorded: string | undefined, format: string): boolean {
  return (recorded ?? unrecordedLeafFormat) !== format
}

/** Forgets every kept leaf (both dialects): each row's leaf is then hashed from its value. */
export const forgetKeptLeaves = [
  'UPDATE balances SET leaf_bucket = NULL, leaf_digest = NULL WHERE leaf_bucket IS NOT NULL',
  'UPDATE nonce_windows SET leaf_bucket = NULL, leaf_digest = NULL WHERE leaf_bucket IS NOT NULL',
]

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
