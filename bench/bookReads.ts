import pg from 'pg'
import { openPostgresReads } from '../server/replica/store/postgresReads.ts'
import { PostgresStorage } from '../server/replica/store/postgresStorage.ts'
import { startPostgresServer } from '../server/replica/store/postgresServer.ts'
import { ReplicaState } from '../server/replica/replicaState.ts'
import { testGenesis, testRegistry } from '../server/replica/testing.ts'

/**
 * Phase E of `bench:replica`: one book read of the PostgreSQL API processes (`bookAt`, 50 levels
 * a side) on a database holding `openOrders` open orders of one market, half bids and half asks,
 * each at a price of its own; the median wall time of `reads` reads, per order count.
 */
export async function measureBookReads(parameters: {
  readonly openOrders: readonly number[]
  readonly reads: number
}): Promise<Record<string, number>> {
  const server = await startPostgresServer()
  const results: Record<string, number> = {}
  try {
    for (const count of parameters.openOrders) {
      const url = await server.createDatabase()
      const storage = await PostgresStorage.open(url)
      await ReplicaState.open(storage, { registry: testRegistry(1, 15990), genesis: testGenesis })
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query(
        `INSERT INTO orders (order_id, market, owner, side, type, time_in_force, price, quantity,
           filled, remaining, status, placed_index, placed_position, updated_index)
         SELECT side || n, 'ETH/USDT', 'owner', side, 'limit', 'GTC', (500 + n)::text, '10', '0',
           (n % 7 + 1)::text, 'open', 1, n, 1
         FROM generate_series(0, $1::int - 1) AS n, (VALUES ('buy'), ('sell')) AS sides(side)`,
        [Math.floor(count / 2)],
      )
      await client.query('ANALYZE orders')
      await client.end()
      const reads = await openPostgresReads(url)
      const samples: number[] = []
      try {
        for (let i = 0; i < parameters.reads; i++) {
          const started = performance.now()
          await reads.bookAt('ETH/USDT', 50)
          samples.push(performance.now() - started)
        }
      } finally {
        await reads.close()
        await storage.close()
      }
      samples.sort((a, b) => a - b)
      const median = Math.round(samples[Math.floor(samples.length / 2)]! * 100) / 100
      console.log(`E book read at ${count} open orders: median ${median} ms`)
      results[`bookReadMs_${count}OpenOrders`] = median
    }
  } finally {
    server.stop()
  }
  return results
}
