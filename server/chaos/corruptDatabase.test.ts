import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import { removeTemporaryFolders, temporaryDatabaseFile } from '../replica/testing.ts'
import { corruptReplicaDatabase } from './corruptDatabase.ts'

afterAll(removeTemporaryFolders)

/** A replica database (every migration) holding `rows` as (address byte, token, available). */
function databaseWith(rows: [number, string, string][]): string {
  const file = temporaryDatabaseFile('corrupt-database-')
  const sqlite = new Database(file)
  migrate(drizzle({ client: sqlite }), { migrationsFolder: join(REPOSITORY_ROOT, 'drizzle') })
  const insert = sqlite.prepare(
    `INSERT INTO balances (address, token, available, locked, leaf_bucket, leaf_digest)
     VALUES (?, ?, ?, '5', 3, x'01')`,
  )
  for (const [address, token, available] of rows) {
    insert.run(Buffer.alloc(20, address), token, available)
  }
  sqlite.close()
  return file
}

function balances(file: string) {
  const sqlite = new Database(file, { readonly: true })
  const rows = sqlite
    .prepare('SELECT token, available, locked, leaf_bucket, leaf_digest FROM balances ORDER BY 1')
    .all()
  sqlite.close()
  return rows
}

it('multiplies one non-zero available balance by ten and clears its kept leaf', () => {
  const file = databaseWith([
    [1, 'BTC', '0'],
    [1, 'ETH', '7'],
    [2, 'USDT', '12'],
  ])
  const address = `0x${'02'.repeat(20)}`
  // The pick chooses among the rows whose available is not zero, in key order, modulo.
  expect(corruptReplicaDatabase(file, 3)).toBe(`balances ${address} USDT available 12 -> 120`)
  expect(balances(file)).toEqual([
    { token: 'BTC', available: '0', locked: '5', leaf_bucket: 3, leaf_digest: Buffer.from([1]) },
    { token: 'ETH', available: '7', locked: '5', leaf_bucket: 3, leaf_digest: Buffer.from([1]) },
    { token: 'USDT', available: '120', locked: '5', leaf_bucket: null, leaf_digest: null },
  ])
})

it('refuses a database with no balance to change, and changes nothing', () => {
  const file = databaseWith([[1, 'BTC', '0']])
  expect(() => corruptReplicaDatabase(file, 0)).toThrow(/no non-zero available balance/)
  expect(balances(file)).toHaveLength(1)
})
