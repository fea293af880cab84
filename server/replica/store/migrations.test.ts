import Database from 'better-sqlite3'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { join, resolve } from 'node:path'
import { afterEach, expect, it } from 'vitest'
import { devnetTokens } from '../../../shared/exchange/index.ts'
import { createTokenRegistry, type Address } from '../../../shared/intents/index.ts'
import { createHash } from 'node:crypto'
import { recordEngineOperations, signIntent } from '../../../shared/exchange/testing.ts'
import { ReplicaState } from '../replicaState.ts'
import {
  removeLater,
  removeTemporaryFolders,
  temporaryDatabaseFile,
  temporaryFolder,
  testGenesis,
  testRegistry,
  traders,
} from '../testing.ts'
import { migrationsUpTo as copyMigrationsUpTo } from './migrationsUpTo.ts'
import { ReplicaStore } from './replicaStore.ts'
import { SqliteStorage } from './sqliteStorage.ts'

const [alice, bob] = traders as [(typeof traders)[0], (typeof traders)[0]]

const MIGRATIONS = resolve(import.meta.dirname, '../../../drizzle')
afterEach(removeTemporaryFolders)

/** A copy of the migrations folder that stops after migration number `last`. */
function migrationsUpTo(last: number): string {
  return removeLater(copyMigrationsUpTo(MIGRATIONS, last))
}

/**
 * A database migrated up to migration `last`, holding one balance-history row and one receipt
 * as the layout of that time stored them (hex text keys before migration 0003, bytes from it
 * on), closed; returns its file.
 */
function databaseAt(last: number, rows: { address: string; intentId: string }): string {
  const file = temporaryDatabaseFile()
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

/** A replica of today's code on a new SQLite database at `file`: its store and its state. */
async function replicaOfToday(file: string, registry: ReturnType<typeof testRegistry>) {
  const today = new ReplicaStore(file)
  const original = await ReplicaState.open(new SqliteStorage(today), {
    registry,
    genesis: testGenesis,
  })
  return { today, original }
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
    const loaded = store.loadState(tokens, address as Address, [])
    expect(loaded.ledger.balances).toEqual([
      { address, token: 'USDT', available: 1_500_000n, locked: 250n },
    ])
    expect(loaded.ledger.nonceWindows).toEqual([{ signer: address, text: '3' }])
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

/**
 * A database as a replica running migrations 0000–0004 filled it: genesis balances, the meta
 * of `genesis` at index 7, and receipts for every nonce ever used — Alice 150 of them
 * (1…150, so decimal text order differs from numeric order), Bob 3 — inserted in `order`.
 */
function filledOldDatabase(genesisHash: string, order: 'forward' | 'backward'): string {
  const file = temporaryDatabaseFile()
  const old = new Database(file)
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsUpTo(4) })
  const balance = old.prepare(
    'INSERT INTO balance_history VALUES (unhex(substr(?, 3)), ?, 0, ?, ?)',
  )
  for (const { address, token, amount } of testGenesis.balances) {
    const decimals = token === 'USDT' ? 6 : 18
    balance.run(address, token, (BigInt(amount) * 10n ** BigInt(decimals)).toString(), '0')
  }
  const receipt = old.prepare(
    'INSERT INTO receipts VALUES (unhex(substr(?, 3)), ?, unhex(substr(?, 3)), ?, ?, ?, ?, ?)',
  )
  const used = [
    ...Array.from({ length: 150 }, (_, i) => ({ signer: alice.address, nonce: i + 1 })),
    ...[7, 9, 10].map((nonce) => ({ signer: bob.address, nonce })),
  ]
  if (order === 'backward') used.reverse()
  for (const [position, { signer, nonce }] of used.entries()) {
    const id = `0x${createHash('sha256').update(`${signer} ${nonce}`).digest('hex')}`
    receipt.run(id, 'transfer', signer, String(nonce), 'applied', null, 1 + (position % 7), 0)
  }
  const setMeta = old.prepare('INSERT INTO meta (key, value) VALUES (?, ?)')
  setMeta.run('genesis_hash', genesisHash)
  setMeta.run('applied_index', '7')
  setMeta.run('applied_chaining_hash', 'c7'.repeat(16))
  old.close()
  return file
}

it('migration 0006 collapses every signer’s nonces to its 100 highest, and migrated replicas agree on what follows', async () => {
  // The genesis hash a replica of this configuration writes, so the old databases open.
  const fresh = new ReplicaStore(temporaryDatabaseFile())
  await ReplicaState.open(new SqliteStorage(fresh), {
    registry: testRegistry(1, 15990),
    genesis: testGenesis,
  })
  const genesisHash = fresh.genesisHash()!
  fresh.close()

  const stores = (['forward', 'backward'] as const).map(
    (order) => new ReplicaStore(filledOldDatabase(genesisHash, order)),
  )
  try {
    for (const store of stores) {
      // Migration 0010 then folds each window into one row, its nonces in numeric order.
      const windows = store.sqlite
        .prepare('SELECT hex(signer) AS signer, nonces FROM nonce_windows')
        .all() as { signer: string; nonces: string }[]
      const of = (address: string) =>
        windows
          .find((row) => `0x${row.signer.toLowerCase()}` === address)
          ?.nonces.split(' ')
          .map(Number)
      expect(of(alice.address)).toEqual(Array.from({ length: 100 }, (_, i) => 51 + i))
      expect(of(bob.address)).toEqual([7, 9, 10])
      // Receipts stay (history); batch times before the migration are unknown, never made up.
      expect(store.sqlite.prepare('SELECT COUNT(*) AS n FROM receipts').get()).toEqual({ n: 153 })
      expect(store.position()).toEqual({ index: 7, chainingHash: 'c7'.repeat(16), time: 0 })
    }
    const states = await Promise.all(
      stores.map((store) =>
        ReplicaState.open(new SqliteStorage(store), {
          registry: testRegistry(1, 15990),
          genesis: testGenesis,
        }),
      ),
    )
    expect(states[0]!.exchange.ledger.keptNonces(alice.address)[0]).toBe(51n)
    expect(states[1]!.stateHash()).toBe(states[0]!.stateHash())

    // The next batch: a fresh nonce applies, an evicted one is too low, a kept one is used.
    const tokens = createTokenRegistry(testGenesis.tokens)
    const pay = (nonce: number) =>
      signIntent(alice, tokens, {
        action: 'transfer',
        nonce: String(nonce),
        to: bob.address,
        token: 'USDT',
        amount: '1',
      })
    const batch = {
      index: 8,
      body: JSON.stringify([pay(151), pay(50), pay(120)]),
      chainingHash: 'c8',
    }
    const effects = [await states[0]!.apply(batch), await states[1]!.apply(batch)]
    expect(effects[1]).toEqual(effects[0])
    expect(effects[0]!.receipts.map((r) => r.nonce)).toEqual([151n])
    expect(effects[0]!.skipped.map((s) => s.reason)).toEqual([
      'nonce_too_low',
      'nonce_already_used',
    ])
    expect(effects[0]!.evictedNonces).toEqual([{ signer: alice.address, nonce: 51n }])
    expect(states[1]!.stateHash()).toBe(states[0]!.stateHash())
    // And a restart of either reads back the same windows.
    const reloaded = stores[0]!.loadState([...tokens.values()], testGenesis.issuer as Address, [])
    const kept = reloaded.ledger.nonceWindows.find((row) => row.signer === alice.address)
    expect(kept).toEqual({
      signer: alice.address,
      text: Array.from({ length: 100 }, (_, i) => 52 + i).join(' '),
    })
  } finally {
    for (const store of stores) store.close()
  }
})

it('migration 0007 gives every order the position of its intent in its batch, from its receipt', () => {
  const file = temporaryDatabaseFile()
  const old = new Database(file)
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsUpTo(6) })
  const receipt = old.prepare(
    'INSERT INTO receipts VALUES (unhex(substr(?, 3)), ?, unhex(substr(?, 3)), ?, ?, ?, ?, ?)',
  )
  const order = old.prepare(
    "INSERT INTO orders VALUES (?, 'ETH/USDT', ?, 'buy', 'limit', 'GTC', '2000000000', " +
      "'1000000000000000000', '0', '1000000000000000000', 'open', NULL, 5, 5)",
  )
  const ids = ['0x' + '0a'.repeat(32), '0x' + '0b'.repeat(32)]
  for (const [n, id] of ids.entries()) {
    receipt.run(id, 'order', alice.address, String(n + 1), 'applied', null, 5, 3 - 3 * n)
    order.run(id, alice.address)
  }
  old.close()
  const store = new ReplicaStore(file)
  try {
    expect(
      store.sqlite.prepare('SELECT order_id, placed_position FROM orders ORDER BY order_id').all(),
    ).toEqual([
      { order_id: ids[0], placed_position: 3 },
      { order_id: ids[1], placed_position: 0 },
    ])
  } finally {
    store.close()
  }
})

it('migration 0008 moves the current state into its own tables; the first start replays the books once, then restarts read the open orders', async () => {
  const registry = testRegistry(1, 15990)
  const tokens = createTokenRegistry(testGenesis.tokens)
  const nonces = new Map<string, number>()
  const sign = (trader: (typeof traders)[0], fields: Record<string, string>) => {
    const nonce = (nonces.get(trader.address) ?? 0) + 1
    nonces.set(trader.address, nonce)
    return signIntent(trader, tokens, { ...fields, nonce: String(nonce) })
  }
  const order = (trader: (typeof traders)[0], side: string, price: string, quantity: string) =>
    sign(trader, {
      action: 'order',
      market: 'ETH/USDT',
      side,
      type: 'limit',
      price,
      quantity,
      timeInForce: 'GTC',
    })
  const bodies = [
    [order(alice, 'buy', '1990', '1'), order(bob, 'buy', '1990', '2')],
    [order(alice, 'sell', '2010', '0.5'), order(bob, 'sell', '1990', '1.5')],
    [sign(alice, { action: 'transfer', to: bob.address, token: 'USDT', amount: '1000' })],
    [sign(bob, { action: 'cancelAll', market: 'ETH/USDT' }), order(bob, 'buy', '1980', '1')],
  ].map((batch) => JSON.stringify(batch))
  const batch = (i: number) => ({ index: i + 1, body: bodies[i]!, chainingHash: `c${i + 1}` })

  // Today's code applies the first three batches; what it stores is copied into a database
  // made by migrations 0000–0007, with the engine operations those migrations' code wrote.
  const dir = temporaryFolder('replica-db-')
  const { today, original } = await replicaOfToday(join(dir, 'today.db'), registry)
  const accepted = recordEngineOperations(original.exchange.engine)
  const operations: (readonly [number, string])[] = []
  for (const i of [0, 1, 2]) {
    const before = accepted.length
    await original.apply(batch(i))
    operations.push(...accepted.slice(before).map((op) => [i + 1, JSON.stringify(op)] as const))
  }
  expect(operations.length).toBeGreaterThan(0)
  const file = join(dir, 'old.db')
  const old = new Database(file)
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsUpTo(7) })
  old.prepare('ATTACH DATABASE ? AS today').run(join(dir, 'today.db'))
  for (const table of ['meta', 'chaining_hashes', 'balance_history', 'receipts']) {
    old.prepare(`INSERT INTO main.${table} SELECT * FROM today.${table}`).run()
  }
  for (const table of ['orders', 'trades']) {
    old.prepare(`INSERT INTO main.${table} SELECT * FROM today.${table}`).run()
  }
  // Before migration 0010 each kept nonce had a row of its own.
  const nonce = old.prepare('INSERT INTO main.nonce_windows (signer, nonce) VALUES (?, ?)')
  const windows = old.prepare('SELECT signer, nonces FROM today.nonce_windows').raw().all()
  for (const [signer, nonces] of windows as [Buffer, string][]) {
    for (const kept of nonces.split(' ')) nonce.run(signer, kept)
  }
  const insert = old.prepare('INSERT INTO engine_operations (batch_index, operation) VALUES (?, ?)')
  for (const [index, operation] of operations) insert.run(index, operation)
  old.prepare('DETACH DATABASE today').run()
  old.close()

  const migrated = new ReplicaStore(file)
  const rows = (sql: string) => migrated.sqlite.prepare(sql).all()
  try {
    // The values; the migrated rows keep no leaf yet (NULL until they change, migration 0012).
    const values = 'SELECT address, token, available, locked FROM balances ORDER BY address, token'
    expect(rows(values)).toEqual(today.sqlite.prepare(values).all())
    expect(rows('SELECT market, trade_seq, book_seq FROM market_state')).toEqual([
      { market: 'ETH/USDT', trade_seq: 1, book_seq: null },
    ])
    const upgraded = await ReplicaState.open(new SqliteStorage(migrated), {
      registry,
      genesis: testGenesis,
    })
    expect(upgraded.stateHash()).toBe(original.stateHash())
    expect(rows('SELECT COUNT(*) AS n FROM engine_operations')).toEqual([{ n: 0 }])
    expect(rows('SELECT market, book_seq FROM market_state ORDER BY market')).toEqual(
      today.sqlite.prepare('SELECT market, book_seq FROM market_state ORDER BY market').all(),
    )
    // Both go on alike, and a restart of the migrated one reads the books from its open orders.
    expect(await upgraded.apply(batch(3))).toEqual(await original.apply(batch(3)))
    const restarted = await ReplicaState.open(new SqliteStorage(migrated), {
      registry,
      genesis: testGenesis,
    })
    expect(restarted.stateHash()).toBe(original.stateHash())
    expect(restarted.exchange.engine.depth('ETH/USDT', 10)).toEqual(
      original.exchange.engine.depth('ETH/USDT', 10),
    )
  } finally {
    migrated.close()
    today.close()
  }
})

it('migration 0013 forgets the leaves kept for the 16-bit state tree; a restart rebuilds the same root', async () => {
  const registry = testRegistry(1, 15990)
  const tokens = createTokenRegistry(testGenesis.tokens)
  const pay = (trader: (typeof traders)[0], to: string, amount: string, nonce: number) =>
    signIntent(trader, tokens, {
      action: 'transfer',
      to,
      token: 'USDT',
      amount,
      nonce: String(nonce),
    })
  const bodies = [
    [pay(alice, bob.address, '10', 1), pay(bob, alice.address, '2', 1)],
    [pay(alice, bob.address, '3', 2)],
  ].map((batch) => JSON.stringify(batch))
  const batch = (i: number) => ({ index: i + 1, body: bodies[i]!, chainingHash: `c${i + 1}` })

  // Today's code applies the batches and keeps each row's leaf; the rows are copied into a
  // database of layout 13, their buckets turned into the 16-bit tree's, as that layout kept them.
  const dir = temporaryFolder('replica-db-')
  const { today, original } = await replicaOfToday(join(dir, 'today.db'), registry)
  await original.apply(batch(0))
  const file = join(dir, 'old.db')
  const old = new Database(file)
  migrate(drizzle({ client: old }), { migrationsFolder: migrationsUpTo(12) })
  old.prepare('ATTACH DATABASE ? AS today').run(join(dir, 'today.db'))
  const tables = old
    .prepare("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    .pluck()
    .all() as string[]
  for (const table of tables.filter(
    (name) => !name.startsWith('__') && name !== 'sqlite_sequence',
  )) {
    old.prepare(`INSERT INTO main.${table} SELECT * FROM today.${table}`).run()
  }
  for (const table of ['balances', 'nonce_windows']) {
    // The first 16 of the 18 bits of sha256(key) that pick today's bucket.
    old.prepare(`UPDATE ${table} SET leaf_bucket = leaf_bucket >> 2`).run()
  }
  const kept = 'SELECT COUNT(*) AS n FROM balances WHERE leaf_bucket IS NOT NULL'
  expect((old.prepare(kept).get() as { n: number }).n).toBeGreaterThan(2)
  old.prepare('DETACH DATABASE today').run()
  old.close()

  const migrated = new ReplicaStore(file)
  try {
    expect(migrated.sqlite.prepare(kept).get()).toEqual({ n: 0 })
    const upgraded = await ReplicaState.open(new SqliteStorage(migrated), {
      registry,
      genesis: testGenesis,
    })
    expect(upgraded.stateHash()).toBe(original.stateHash())
    // Both go on alike; the rows the next batch writes keep today's leaves again.
    expect(await upgraded.apply(batch(1))).toEqual(await original.apply(batch(1)))
    expect(upgraded.stateHash()).toBe(original.stateHash())
    expect(migrated.sqlite.prepare(kept).get()).toEqual({ n: 2 })
    const restarted = await ReplicaState.open(new SqliteStorage(migrated), {
      registry,
      genesis: testGenesis,
    })
    expect(restarted.stateHash()).toBe(original.stateHash())
  } finally {
    migrated.close()
    today.close()
  }
})
