import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, expect, it } from 'vitest'
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

it('migration 0002 rebuilds balance_history and receipts WITHOUT ROWID and keeps their rows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replica-db-'))
  dirs.push(dir)
  const file = join(dir, 'replica.db')
  const old = new Database(file)
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsUpTo(1) })
  const address = '0x' + 'ab'.repeat(20)
  old
    .prepare('INSERT INTO balance_history VALUES (?, ?, ?, ?, ?)')
    .run(address, 'USDT', 7, '1500000', '250')
  old
    .prepare('INSERT INTO receipts VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run('0x' + '01'.repeat(32), 'transfer', address, '3', 'rejected', 'insufficient_balance', 7, 0)
  old.close()

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
    expect(store.sqlite.prepare('SELECT * FROM balance_history').all()).toEqual([
      { address, token: 'USDT', batch_index: 7, available: '1500000', locked: '250' },
    ])
    expect(store.sqlite.prepare('SELECT intent_id, nonce, reason FROM receipts').all()).toEqual([
      { intent_id: '0x' + '01'.repeat(32), nonce: '3', reason: 'insufficient_balance' },
    ])
  } finally {
    store.close()
  }
})
