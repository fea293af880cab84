import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { REPOSITORY_ROOT } from '../../repositoryRoot.ts'
import { hexToBytes } from './hexBytes.ts'
import { migrationsUpTo } from './migrationsUpTo.ts'
import { describeReplicaStorage, type StorageCaseOptions } from './replicaStorage.case.ts'
import { openSqliteStorage } from './sqliteStorage.ts'
import { removeLater, removeTemporaryFolders, temporaryDatabaseFile } from '../testing.ts'

/** The shared `ReplicaStorage` cases on SQLite files in a temporary folder. */

afterAll(removeTemporaryFolders)

const newFile = () => temporaryDatabaseFile('sqlite-storage-')

const open = (file: string, options: StorageCaseOptions = {}) => openSqliteStorage(file, options)

describeReplicaStorage('SQLite', {
  async fresh(options) {
    const file = newFile()
    return { storage: open(file, options), reopen: async (again) => open(file, again) }
  },
  async fromPreviousSchema(state) {
    // Built with the migrations up to 0009 (a row per nonce), before 0010 folded them into a row
    // per window: opening it applies 0010 onwards.
    const file = newFile()
    const old = new Database(file)
    const folder = removeLater(migrationsUpTo(join(REPOSITORY_ROOT, 'drizzle'), 9))
    migrate(drizzle({ client: old }), { migrationsFolder: folder })
    const { index, chainingHash, time } = state.position
    const meta = old.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
    for (const [key, value] of [
      ['genesis_hash', state.hash],
      ['applied_index', String(index)],
      ['applied_chaining_hash', chainingHash],
      ['applied_time', String(time)],
    ]) {
      meta.run(key, value)
    }
    old.prepare("INSERT INTO chaining_hashes VALUES (0, '', 0)").run()
    old.prepare('INSERT INTO chaining_hashes VALUES (?, ?, ?)').run(index, chainingHash, time)
    const history = old.prepare('INSERT INTO balance_history VALUES (?, ?, ?, ?, ?)')
    const current = old.prepare('INSERT INTO balances VALUES (?, ?, ?, ?)')
    for (const { address, token, available, locked } of state.balances) {
      const row = [hexToBytes(address), token, available.toString(), locked.toString()] as const
      history.run(row[0], token, index, row[2], row[3])
      current.run(...row)
    }
    const nonce = old.prepare('INSERT INTO nonce_windows (signer, nonce) VALUES (?, ?)')
    for (const used of state.nonces) nonce.run(hexToBytes(used.signer), used.nonce.toString())
    const market = old.prepare('INSERT INTO market_state VALUES (?, 0, 0)')
    for (const id of state.markets) market.run(id)
    old.close()
    return open(file)
  },
})
