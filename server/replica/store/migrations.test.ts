import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { devnetTokens } from '../../../shared/exchange/index.ts'
import { createTokenRegistry, type Address } from '../../../shared/intents/index.ts'
import { ReplicaStore } from './replicaStore.ts'

const MIGRATIONS = resolve(import.meta.dirname, '../../../drizzle')
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A copy of the migrations folder that stops after migration number `last`. */
function migrationsUpTo(last: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'))
  dirs.push(dir)
  cpSync(MIGRATIONS, dir, { recursive: true })
  const journalFile = join(dir, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { idx: number }[] }
  journal.entries = journal.entries.filter((entry) => entry.idx <= last)
  writeFileSync(journalFile, JSON.stringify(journal))
  return dir
}

/**
 * A database migrated up to migration `last`, holding one balance-history row and one receipt
 * as the layout of that time stored them (hex text keys before migration 0003, bytes from it
 * on), closed; returns its file.
 */
function databaseAt(last: number, rows: { address: string; intentId: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'replica-db-'))
  dirs.push(dir)
  const file = join(dir, 'replica.db')
  const old = new Database(file)
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsUpTo(last) })
  // From migration 0003 on, keys are bytes (`unhex` turns the hex into them).
  const key = last >= 3 ? 'unhex(substr(?, 3))' : '?'
  old
    .prepare(`INSERT INTO balance_history VALUES (${key}, ?, ?, ?, ?)`)
    .run(rows.address, 'USDT', 7, '1500000', '250')
  old
    .prepare(`INSERT INTO receipts VALUES (${key}, ?, ${key}, ?, ?, ?, ?, ?)`)
    .run(rows.intentId, 'transfer', rows.address, '3', 'rejected', 'insufficient_balance', 7, 0)
  old.close()
  return file
}

it('migration 0002 rebuilds balance_history and receipts WITHOUT ROWID and keeps their rows', () => {
  const file = databaseAt(1, { address: '0x' + 'ab'.repeat(20), intentId: '0x' + '01'.repeat(32) })
  const store = new ReplicaStore(file)
  try {
    const definition = (table: string) =>
      (
        store.sqlite.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(table) as {
          sql: string
        }
      ).sql
    expect(definition('balance_history')).toMatch(/WITHOUT ROWID$/)
    expect(definition('receipts')).toMatch(/WITHOUT ROWID$/)
    expect(
      store.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'receipts_signer'").get(),
    ).toBeUndefined()
    // (Migration 0003, which runs next, turns the keys into bytes.)
    expect(store.sqlite.prepare('SELECT * FROM balance_history').all()).toEqual([
      {
        address: Buffer.from('ab'.repeat(20), 'hex'),
        token: 'USDT',
        batch_index: 7,
        available: '1500000',
        locked: '250',
      },
    ])
    expect(store.sqlite.prepare('SELECT intent_id, nonce, reason FROM receipts').all()).toEqual([
      {
        intent_id: Buffer.from('01'.repeat(32), 'hex'),
        nonce: '3',
        reason: 'insufficient_balance',
      },
    ])
  } finally {
    store.close()
  }
})

it('migration 0003 stores addresses and intent ids as bytes and keeps the rows', () => {
  const address = '0x' + 'ab'.repeat(19) + '0c'
  const intentId = '0x' + '01'.repeat(31) + 'fe'
  const file = databaseAt(2, { address, intentId })

  const store = new ReplicaStore(file)
  try {
    const types = store.sqlite
      .prepare(
        'SELECT typeof(address) AS address FROM balance_history UNION ALL ' +
          'SELECT typeof(intent_id) FROM receipts UNION ALL SELECT typeof(signer) FROM receipts',
      )
      .all()
    expect(types).toEqual([{ address: 'blob' }, { address: 'blob' }, { address: 'blob' }])
    const definition = store.sqlite
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'receipts'")
      .get() as { sql: string }
    expect(definition.sql).toMatch(/WITHOUT ROWID$/)
    // Read back through the store, as hex again.
    expect(store.balanceAt(address, 'USDT', 7)).toEqual({ available: 1_500_000n, locked: 250n })
    expect(store.balanceAt(address, 'USDT', 6)).toEqual({ available: 0n, locked: 0n })
    expect(store.receipt(intentId)).toMatchObject({
      intentId,
      signer: address,
      status: 'rejected',
      reason: 'insufficient_balance',
      batchIndex: 7,
    })
    const tokens = [...createTokenRegistry(devnetTokens).values()]
    const loaded = store.loadState(tokens, address as Address)
    expect(loaded.ledger.balances).toEqual([
      { address, token: 'USDT', available: 1_500_000n, locked: 250n },
    ])
    expect(loaded.ledger.nonces).toEqual([{ signer: address, nonce: 3n }])
  } finally {
    store.close()
  }
})

it('migration 0004 keeps the chaining hash of index 0 and of the applied index', () => {
  const address = '0x' + 'ab'.repeat(20)
  const file = databaseAt(3, { address, intentId: '0x' + '01'.repeat(32) })
  const old = new Database(file)
  const setMeta = old.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
  setMeta.run('genesis_hash', '0x' + '9e'.repeat(32))
  setMeta.run('applied_index', '7')
  setMeta.run('applied_chaining_hash', '06b05ab6733a618578af5f94892f3950')
  old.close()

  const store = new ReplicaStore(file)
  try {
    expect(store.chainingHashAt(0)).toBe('')
    expect(store.chainingHashAt(7)).toBe('06b05ab6733a618578af5f94892f3950')
    // Applied before the store kept them: unknown, never made up.
    expect(store.chainingHashAt(6)).toBeUndefined()
    expect(store.chainingHashAt(8)).toBeUndefined()
  } finally {
    store.close()
  }
})
