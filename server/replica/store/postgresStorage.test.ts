import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPOSITORY_ROOT } from '../../repositoryRoot.ts'
import { columnsOf } from './commitRows.ts'
import { hexToBytes } from './hexBytes.ts'
import { migrationsUpTo } from './migrationsUpTo.ts'
import { PostgresStorage } from './postgresStorage.ts'
import { readBalancesPg, readNonceWindowsPg } from './postgresStateReads.ts'
import { bookLevelsStatement, openPostgresReads } from './postgresReads.ts'
import { describeReplicaStorage, type StorageCaseOptions } from './replicaStorage.case.ts'
import { ReplicaState } from '../replicaState.ts'
import { alice, testGenesis, testRegistry, usePostgresServer } from '../testing.ts'

/**
 * The shared `ReplicaStorage` cases on a real PostgreSQL server (started for this file on a free
 * port, stopped after it), each case on a database of its own.
 */

const server = usePostgresServer({ beforeAll, afterAll })

const open = (url: string, options: StorageCaseOptions = {}) => PostgresStorage.open(url, options)

describeReplicaStorage('PostgreSQL', {
  async fresh(options) {
    const url = await server.createDatabase()
    return { storage: await open(url, options), reopen: (again) => open(url, again) }
  },
  async fromPreviousSchema(state) {
    // Built with the migrations up to 0001, before 0002 folded a row per nonce into a row per
    // window: opening it applies 0002 onwards.
    const url = await server.createDatabase()
    const folder = migrationsUpTo(join(REPOSITORY_ROOT, 'drizzle-pg'), 1)
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await migrate(drizzle({ client }), { migrationsFolder: folder })
      const { index, chainingHash, time } = state.position
      await client.query(
        'INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[])',
        columnsOf(
          [
            ['genesis_hash', state.hash],
            ['applied_index', String(index)],
            ['applied_chaining_hash', chainingHash],
            ['applied_time', String(time)],
          ],
          2,
        ),
      )
      await client.query("INSERT INTO chaining_hashes VALUES (0, '', 0)")
      await client.query('INSERT INTO chaining_hashes VALUES ($1, $2, $3)', [
        index,
        chainingHash,
        time,
      ])
      for (const { address, token, available, locked } of state.balances) {
        const row = [hexToBytes(address), token, available.toString(), locked.toString()]
        await client.query('INSERT INTO balance_history VALUES ($1, $2, $5, $3, $4)', [
          ...row,
          index,
        ])
        await client.query('INSERT INTO balances VALUES ($1, $2, $3, $4)', row)
      }
      for (const { signer, nonce } of state.nonces) {
        await client.query('INSERT INTO nonce_windows (signer, nonce) VALUES ($1, $2)', [
          hexToBytes(signer),
          nonce.toString(),
        ])
      }
      for (const market of state.markets) {
        await client.query('INSERT INTO market_state VALUES ($1, 0, 0)', [market])
      }
    } finally {
      await client.end()
      rmSync(folder, { recursive: true, force: true })
    }
    return open(url)
  },
})

describe('PostgreSQL: one applier per database', () => {
  it('refuses a second storage on a database another one holds, and admits it once closed', async () => {
    const url = await server.createDatabase()
    const first = await open(url)
    const waiting = PostgresStorage.open(url, { lockWaitMs: 0 })
    await expect(waiting).rejects.toThrow(/another replica applier holds the database/)
    await first.close()
    const second = await open(url)
    expect(second.location).toBe(url)
    await second.close()
  })
})

describe('PostgreSQL: a restart reads the current state in pages', () => {
  it('asks for one page of rows at a time, following the key from the last page', async () => {
    const url = await server.createDatabase()
    const storage = await open(url)
    await ReplicaState.open(storage, { registry: testRegistry(1, 15990), genesis: testGenesis })
    await storage.close()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      await client.query(
        "INSERT INTO nonce_windows SELECT address, '1 2' FROM balances WHERE token = 'USDT'",
      )
      const everything = await readBalancesPg(client)
      const windows = await readNonceWindowsPg(client)
      expect(everything).toHaveLength(testGenesis.balances.length)
      expect(windows).toHaveLength(testGenesis.balances.length / 2)
      const pages: unknown[][] = []
      const query = client.query.bind(client) as (text: string, values: unknown[]) => unknown
      const counted = Object.assign(Object.create(client) as pg.Client, {
        query: (text: string, values: unknown[]) => {
          pages.push(values)
          return query(text, values)
        },
      })
      // 3 rows a page: pages end between an address’s two tokens.
      expect(await readBalancesPg(counted, 3)).toEqual(everything)
      expect(pages).toHaveLength(Math.floor(everything.length / 3) + 1)
      expect(pages.every((values) => values.at(-1) === 3)).toBe(true)
      pages.length = 0
      expect(await readNonceWindowsPg(counted, 2)).toEqual(windows)
      expect(pages).toHaveLength(Math.floor(windows.length / 2) + 1)
    } finally {
      await client.end()
    }
  })
})

describe('PostgreSQL: API processes read balances within the history retention', () => {
  it('refuses a balance below the pruned balance history and reads one from it on', async () => {
    const url = await server.createDatabase()
    const storage = await open(url, { historyRetainBatches: 1 })
    let reads: Awaited<ReturnType<typeof openPostgresReads>> | undefined
    try {
      const state = await ReplicaState.open(storage, {
        registry: testRegistry(1, 15990),
        genesis: testGenesis,
      })
      for (const index of [1, 2, 3]) {
        await state.apply({ index, body: '[]', chainingHash: `c${index}`.padEnd(32, '0') })
      }
      reads = await openPostgresReads(url)
      expect(await reads.balancesAt(alice.address, ['USDT'], 2)).toEqual({ prunedBelow: 3 })
      expect(await reads.balancesAt(alice.address, ['USDT'], 3)).toEqual({
        balances: [
          {
            available: 1_000_000_000_000n,
            locked: 0n,
            index: 3,
            chainingHash: 'c3'.padEnd(32, '0'),
          },
        ],
      })
    } finally {
      await reads?.close()
      await storage.close()
    }
  })
})

describe('PostgreSQL: API processes read the book from an index in price order', () => {
  it('reads the best levels by walking orders_book, with no sort of every open order', async () => {
    const url = await server.createDatabase()
    const storage = await open(url)
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    let reads: Awaited<ReturnType<typeof openPostgresReads>> | undefined
    try {
      await ReplicaState.open(storage, { registry: testRegistry(1, 15990), genesis: testGenesis })
      // 20,000 open orders of ETH/USDT, two per price on each side, prices of 3 and 4 digits (so
      // text order is not price order), and closed orders at better prices that must not count.
      await client.query(`
        INSERT INTO orders (order_id, market, owner, side, type, time_in_force, price, quantity,
          filled, remaining, status, placed_index, placed_position, updated_index)
        SELECT side || n, 'ETH/USDT', 'owner', side, 'limit', 'GTC', (500 + n / 2)::text, '10', '0',
          (n % 7 + 1)::text, 'open', 1, n, 1
        FROM generate_series(0, 9999) AS n, (VALUES ('buy'), ('sell')) AS sides(side)
        UNION ALL
        SELECT 'c' || n, 'ETH/USDT', 'owner', 'buy', 'limit', 'GTC', '99999', '1', '1', '0',
          'filled', 1, n, 1
        FROM generate_series(1, 50) AS n`)
      await client.query('ANALYZE orders')
      const explained = await client.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) SELECT * FROM ${bookLevelsStatement('buy', "'ETH/USDT'", '5')} AS l`,
      )
      const plan = JSON.stringify(explained.rows[0]!['QUERY PLAN'])
      expect(plan).toContain('"Index Name":"orders_book"')
      expect(plan).not.toContain('"Node Type":"Sort"')

      reads = await openPostgresReads(url)
      const book = await reads.bookAt('ETH/USDT', 3)
      // Prices 500 + n/2 for n < 10,000: bids best first from 5499, asks from 500; each level
      // holds orders n = 2p and 2p + 1, of remaining n % 7 + 1.
      const level = (price: number) => {
        const [a, b] = [2 * (price - 500), 2 * (price - 500) + 1]
        return { price: String(price), quantity: String((a % 7) + 1 + (b % 7) + 1), orders: 2 }
      }
      expect(book.bids).toEqual([5499, 5498, 5497].map(level))
      expect(book.asks).toEqual([500, 501, 502].map(level))
    } finally {
      await reads?.close()
      await client.end()
      await storage.close()
    }
  })
})

describe('PostgreSQL: migration 0006 forgets the leaves kept for the 16-bit state tree', () => {
  it('rebuilds the same root at the restart after it', async () => {
    const url = await server.createDatabase()
    const config = { registry: testRegistry(1, 15990), genesis: testGenesis }
    const storage = await open(url)
    let expected: string
    try {
      const state = await ReplicaState.open(storage, config)
      await state.apply({ index: 1, body: '[]', chainingHash: 'c1'.padEnd(32, '0') })
      expected = state.stateHash()
    } finally {
      await storage.close()
    }
    // As layout 5 kept them: the first 16 of the 18 bits of sha256(key) that pick today's
    // bucket; and 0006 not applied yet, so the next open applies it.
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const kept = 'SELECT COUNT(*)::int AS n FROM balances WHERE leaf_bucket IS NOT NULL'
    try {
      await client.query('UPDATE balances SET leaf_bucket = leaf_bucket >> 2')
      expect((await client.query(kept)).rows[0].n).toBeGreaterThan(2)
      await client.query(
        'DELETE FROM drizzle.__drizzle_migrations WHERE created_at = ' +
          '(SELECT MAX(created_at) FROM drizzle.__drizzle_migrations)',
      )
    } finally {
      await client.end()
    }
    const migrated = await open(url)
    try {
      const state = await ReplicaState.open(migrated, config)
      expect(state.stateHash()).toBe(expected)
    } finally {
      await migrated.close()
    }
  })
})
