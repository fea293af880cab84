import type { OrderUpdate, TradeRecord } from '../../../shared/exchange/index.ts'
import type { NonceWindow } from '../../../shared/ledger/index.ts'
import type { Address } from '../../../shared/intents/index.ts'
import { hexToBytes } from './hexBytes.ts'
import { balanceLeafColumns, windowLeafColumns } from './keptLeaves.ts'
import { nonceWindowText } from './nonceWindowRows.ts'
import type { CommittedBatch, InstalledState } from './replicaStorage.ts'

/*
 * A group of applied batches as the net rows it writes, one list per table, so a database server
 * takes the group in one statement per table (a round trip each) rather than one per row. The
 * net effect equals applying the batches one by one: history rows are all kept (each is under
 * its own batch index), current rows (balances, open orders, nonce windows, market sequence
 * numbers) keep the group's last value of each key.
 */

/** The rows a group writes, by table. */
export interface CommitRows {
  /** (address, token, batch index, available, locked) per balance a batch changed. */
  readonly balanceHistory: [Buffer, string, number, string, string][]
  /** The group's last non-zero value of each (address, token) it changed, with its leaf. */
  readonly balanceUpserts: [Buffer, string, string, string, number, Buffer][]
  /** The (address, token) pairs the group leaves at zero. */
  readonly balanceDeletes: [Buffer, string][]
  /**
   * The group's last window (signer, nonces as stored, leaf bucket and digest) of each signer
   * whose window changed.
   */
  readonly nonceWindows: [Buffer, string, number, Buffer][]
  /** The signers the group leaves without a window. */
  readonly nonceWindowDeletes: Buffer[]
  /** (intent id, action, signer, nonce, status, reason, batch index, position) */
  readonly receipts: [Buffer, string, Buffer, string, string, string | null, number, number][]
  /** The group's last version of each order it touched. */
  readonly orders: OrderUpdate[]
  readonly trades: TradeRecord[]
  /** (batch index, chaining hash, time) */
  readonly chainingHashes: [number, string, number][]
  /** Per market: its last trade and book sequence numbers in the group (null: unchanged). */
  readonly marketSeqs: [string, number | null, number | null][]
}

/** The net rows of `group` (consecutive batches, in order). */
export function toCommitRows(group: readonly CommittedBatch[]): CommitRows {
  const balanceHistory: CommitRows['balanceHistory'] = []
  const balances = new Map<string, [Buffer, Address, string, bigint, bigint]>()
  const windows = new Map<string, NonceWindow>()
  const receipts: CommitRows['receipts'] = []
  const orders = new Map<string, OrderUpdate>()
  const trades: TradeRecord[] = []
  const chainingHashes: CommitRows['chainingHashes'] = []
  const seqs = new Map<string, [number | null, number | null]>()
  for (const { effects, chainingHash } of group) {
    const index = effects.index
    for (const { address, token, available, locked } of effects.balances) {
      const key = hexToBytes(address)
      balanceHistory.push([key, token, index, available.toString(), locked.toString()])
      balances.set(`${address}/${token}`, [key, address, token, available, locked])
    }
    for (const window of effects.nonceWindows) windows.set(window.signer, window)
    for (const r of effects.receipts) {
      receipts.push([
        hexToBytes(r.intentId),
        r.action,
        hexToBytes(r.signer),
        r.nonce.toString(),
        r.status,
        r.reason ?? null,
        index,
        r.position,
      ])
    }
    for (const order of effects.orders) orders.set(order.orderId, order)
    trades.push(...effects.trades)
    chainingHashes.push([index, chainingHash, effects.time])
    for (const { market, seq } of effects.trades)
      seqs.set(market, [seq, seqs.get(market)?.[1] ?? null])
    for (const { market, seq } of effects.book)
      seqs.set(market, [seqs.get(market)?.[0] ?? null, seq])
  }
  const values = [...balances.values()]
  return {
    balanceHistory,
    balanceUpserts: values
      .filter(([, , , available, locked]) => available !== 0n || locked !== 0n)
      .map(([key, address, token, available, locked]) => [
        key,
        token,
        available.toString(),
        locked.toString(),
        ...balanceLeafColumns(address, token, available, locked),
      ]),
    balanceDeletes: values
      .filter(([, , , available, locked]) => available === 0n && locked === 0n)
      .map(([key, , token]) => [key, token]),
    nonceWindows: [...windows.values()]
      .filter(({ nonces }) => nonces.length > 0)
      .map(({ signer, nonces }) => {
        const text = nonceWindowText(nonces)
        return [hexToBytes(signer), text, ...windowLeafColumns(signer, text)]
      }),
    nonceWindowDeletes: [...windows.values()]
      .filter(({ nonces }) => nonces.length === 0)
      .map(({ signer }) => hexToBytes(signer)),
    receipts,
    orders: [...orders.values()],
    trades,
    chainingHashes,
    marketSeqs: [...seqs].map(([market, [trade, book]]) => [market, trade, book]),
  }
}

/** The rows of a whole state installed at its index (`ReplicaStorage.installState`). */
export function installedStateRows(state: InstalledState): CommitRows {
  const { index, chainingHash, time } = state.position
  const balances = state.balances.filter(
    ({ available, locked }) => available !== 0n || locked !== 0n,
  )
  return {
    balanceHistory: balances.map(({ address, token, available, locked }) => [
      hexToBytes(address),
      token,
      index,
      available.toString(),
      locked.toString(),
    ]),
    balanceUpserts: balances.map(({ address, token, available, locked }) => [
      hexToBytes(address),
      token,
      available.toString(),
      locked.toString(),
      ...balanceLeafColumns(address, token, available, locked),
    ]),
    balanceDeletes: [],
    nonceWindows: state.nonceWindows
      .filter(({ nonces }) => nonces.length > 0)
      .map(({ signer, nonces }) => {
        const text = nonceWindowText(nonces)
        return [hexToBytes(signer), text, ...windowLeafColumns(signer, text)]
      }),
    nonceWindowDeletes: [],
    receipts: [],
    orders: [...state.openOrders],
    trades: [],
    chainingHashes: [[index, chainingHash, time]],
    marketSeqs: state.markets.map(({ market, tradeSeq, bookSeq }) => [market, tradeSeq, bookSeq]),
  }
}

/** The columns of `rows` (tuples of equal length), for `unnest($1::type[], $2::type[], …)`. */
export function columnsOf<Row extends readonly unknown[]>(rows: readonly Row[], width: number) {
  const columns: unknown[][] = Array.from({ length: width }, () => [])
  for (const row of rows) for (let i = 0; i < width; i += 1) columns[i]!.push(row[i])
  return columns
}
