import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { readBalances, readNonceWindows } from './currentStateReads.ts'
import { hexToBytes } from './hexBytes.ts'
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

it('reads every balance and window across pages, an address’s tokens split between two', () => {
  const store = newStore()
  try {
    const balance = store.sqlite.prepare('INSERT INTO balances VALUES (?, ?, ?, ?)')
    const window = store.sqlite.prepare('INSERT INTO nonce_windows VALUES (?, ?)')
    const balances = []
    const windows = []
    // 0x…00 and 0x…ff: the smallest and largest keys; three tokens each, so pages of 4 rows
    // end inside an address.
    for (const n of [0, 1, 2, 0x1234, 2 ** 32, 0xff]) {
      for (const token of ['BTC', 'ETH', 'USDT']) {
        balances.push({ address: address(n), token, available: BigInt(n + 1), locked: 7n })
        balance.run(hexToBytes(address(n)), token, String(n + 1), '7')
      }
      windows.push({ signer: address(n), text: `1 ${n + 2} 18446744073709551615` })
      window.run(hexToBytes(address(n)), windows.at(-1)!.text)
    }
    const byKey = <T extends { address?: string; signer?: string; token?: string }>(rows: T[]) =>
      [...rows].sort((a, b) =>
        `${a.address ?? a.signer} ${a.token}` < `${b.address ?? b.signer} ${b.token}` ? -1 : 1,
      )
    for (const pageRows of [1, 4, 18, 20_000]) {
      expect(byKey(readBalances(store.sqlite, pageRows))).toEqual(byKey(balances))
      expect(byKey(readNonceWindows(store.sqlite, pageRows))).toEqual(byKey(windows))
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
    store.sqlite.prepare('INSERT INTO nonce_windows VALUES (?, ?)').run(hexToBytes(address(1)), '')
    expect(readNonceWindows(store.sqlite)).toEqual([{ signer: address(1), text: '' }])
  } finally {
    store.close()
  }
})
