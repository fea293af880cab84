import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { readBalances, readNonceWindows } from './currentStateReads.ts'
import { hexToBytes } from './hexBytes.ts'
import type { KeptLeafOfRow } from './keptLeaves.ts'
import { ReplicaStore } from './replicaStore.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function newStore(): ReplicaStore {
  const dir = mkdtempSync(join(tmpdir(), 'state-reads-'))
  dirs.push(dir)
  return new ReplicaStore(join(dir, 'replica.db'))
}

const address = (n: number) => `0x${n.toString(16).padStart(40, '0')}`

it('reads every balance and window across pages, an address’s tokens split between two, each with its kept leaf', () => {
  const store = newStore()
  try {
    const balance = store.sqlite.prepare('INSERT INTO balances VALUES (?, ?, ?, ?, ?, ?)')
    const window = store.sqlite.prepare('INSERT INTO nonce_windows VALUES (?, ?, ?, ?)')
    const balances = []
    const windows = []
    // A kept leaf on some rows, none (NULL, rows from before migration 0012) on the others.
    const leafOf = (n: number, i: number) =>
      (n + i) % 2 === 0 ? undefined : { bucket: n % 65_536, digest: `${i}`.padStart(64, 'a') }
    const columns = (leaf: ReturnType<typeof leafOf>) =>
      leaf === undefined ? [null, null] : [leaf.bucket, hexToBytes(`0x${leaf.digest}`)]
    // 0x…00 and 0x…ff: the smallest and largest keys; three tokens each, so pages of 4 rows
    // end inside an address.
    for (const n of [0, 1, 2, 0x1234, 2 ** 32, 0xff]) {
      for (const [i, token] of ['BTC', 'ETH', 'USDT'].entries()) {
        const leaf = leafOf(n, i)
        balances.push({ address: address(n), token, available: BigInt(n + 1), locked: 7n, leaf })
        balance.run(hexToBytes(address(n)), token, String(n + 1), '7', ...columns(leaf))
      }
      const leaf = leafOf(n, 3)
      windows.push({ signer: address(n), text: `1 ${n + 2} 18446744073709551615`, leaf })
      window.run(hexToBytes(address(n)), windows.at(-1)!.text, ...columns(leaf))
    }
    const byKey = <T extends { address?: string; signer?: string; token?: string }>(rows: T[]) =>
      [...rows].sort((a, b) =>
        `${a.address ?? a.signer} ${a.token}` < `${b.address ?? b.signer} ${b.token}` ? -1 : 1,
      )
    /** The rows read with each one's kept leaf beside it (as `leaf`), as `balances` holds them. */
    const withLeaves = <T>(rows: T[], leaves: KeptLeafOfRow[]) => {
      expect(leaves).toHaveLength(rows.length)
      // SQLite writes hex in upper case, which the state tree takes as well.
      return rows.map((row, i) => {
        const leaf = leaves[i]
        return { ...row, leaf: leaf && { ...leaf, digest: leaf.digest.toLowerCase() } }
      })
    }
    for (const pageRows of [1, 4, 18, 20_000]) {
      const balanceLeaves: KeptLeafOfRow[] = []
      const read = readBalances(store.sqlite, pageRows, balanceLeaves)
      expect(byKey(withLeaves(read, balanceLeaves))).toEqual(byKey(balances))
      const windowLeaves: KeptLeafOfRow[] = []
      const windowsRead = readNonceWindows(store.sqlite, pageRows, windowLeaves)
      expect(byKey(withLeaves(windowsRead, windowLeaves))).toEqual(byKey(windows))
    }
  } finally {
    store.close()
  }
})

it('reads nothing from empty tables, and a window row as its text (the ledger checks it)', () => {
  const store = newStore()
  try {
    expect(readBalances(store.sqlite)).toEqual([])
    expect(readNonceWindows(store.sqlite)).toEqual([])
    store.sqlite
      .prepare('INSERT INTO nonce_windows (signer, nonces) VALUES (?, ?)')
      .run(hexToBytes(address(1)), '')
    expect(readNonceWindows(store.sqlite)).toEqual([{ signer: address(1), text: '' }])
  } finally {
    store.close()
  }
})
