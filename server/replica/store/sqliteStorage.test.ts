import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { REPOSITORY_ROOT } from '../../repositoryRoot.ts'
import { hexToBytes } from './hexBytes.ts'
import { migrationsUpTo } from './migrationsUpTo.ts'
import { describeReplicaStorage, type StorageCaseOptions } from './replicaStorage.case.ts'
import { openSqliteStorage } from './sqliteStorage.ts'

/** The shared `ReplicaStorage` cases on SQLite files in a temporary folder. */

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function newFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-storage-'))
  dirs.push(dir)
  return join(dir, 'replica.db')
}

const open = (file: string, options: StorageCaseOptions = {}) => openSqliteStorage(file, options)

describeReplicaStorage('SQLite', {
  async fresh(options) {
    const file = newFile()
    return { storage: open(file, options), reopen: async (again) => open(file, again) }
  },
  async fromPreviousSchema(genesis) {
    // Migration 0009 (history retention indexes) is the last; 0008's layout holds genesis.
    const file = newFile()
    const old = new Database(file)
    const folder = migrationsUpTo(join(REPOSITORY_ROOT, 'drizzle'), 8)
    dirs.push(folder)
    migrate(drizzle({ client: old }), { migrationsFolder: folder })
    const meta = old.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    for (const [key, value] of [
      ['genesis_hash', genesis.hash],
      ['applied_index', '0'],
      ['applied_chaining_hash', ''],
      ['applied_time', '0'],
    ]) {
      meta.run(key, value)
    }
    old.prepare("INSERT INTO chaining_hashes VALUES (0, '', 0)").run()
    const history = old.prepare('INSERT INTO balance_history VALUES (?, ?, 0, ?, ?)')
    const current = old.prepare('INSERT INTO balances VALUES (?, ?, ?, ?)')
    for (const { address, token, available, locked } of genesis.balances) {
      const row = [hexToBytes(address), token, available.toString(), locked.toString()]
      history.run(...row)
      current.run(...row)
    }
    const market = old.prepare('INSERT INTO market_state VALUES (?, 0, 0)')
    for (const id of genesis.markets) market.run(id)
    old.close()
    return open(file)
  },
})
