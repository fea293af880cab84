import { serve } from '@hono/node-server'
import { loadavg } from 'node:os'
import { signIntent } from '../shared/exchange/testing.ts'
import type { ServiceProcess } from '../server/serviceProcesses.ts'
import { startPostgresServer } from '../server/replica/store/postgresServer.ts'
import {
  createTestReplica,
  freeLoopbackPort,
  InMemorySequencer,
  removeTemporaryFolders,
  spawnApiProcesses,
  testRegistry,
  testTokens,
  traders,
} from '../server/replica/testing.ts'
import { call } from './clusterLoad.ts'
import { cpuMillisOf } from '../server/processCpu.ts'
import { percentile } from './report.ts'

/*
 * Phase D of `bench:replica`: read throughput of a replica on PostgreSQL served by 1 and by 2 API
 * processes (the compiled `main.ts` with `REPLICA_APPLIER_URL`), beside an applier that holds
 * the state (in this process, idle during the reads). Two reads: a signed balance that is a
 * signature cache miss every time (a new address each request: the expensive read, a BLS
 * signature, that API processes exist to spread), and the order book (20 levels, a database
 * read). The configurations alternate (1, 2, 1, 2, …) for `rounds` rounds; the medians are
 * reported with every round's rate, since other processes load the machine unevenly.
 */

/** Parameters of `measureApiReads`. */
export interface ApiReadsParameters {
  readonly seconds: number
  /** Requests in flight at once, spread round-robin over the API processes. */
  readonly concurrency: number
  /** Batches applied before the reads, so that books and balances have content. */
  readonly batches: number
  /** Runs of each configuration, alternated (1, 2, 1, 2, …); medians are reported. */
  readonly rounds: number
  readonly log: (line: string) => void
}

/** A batch that rests and crosses orders of two traders, and pays one of them. */
function seedBatch(n: number): string {
  const [maker, taker] = [traders[n % 8]!, traders[(n + 3) % 8]!]
  const nonce = String(n + 1)
  const price = String(1900 + (n % 40) * 5)
  const order = (account: typeof maker, side: string, quantity: string) =>
    signIntent(account, testTokens, {
      action: 'order',
      nonce,
      market: 'ETH/USDT',
      side,
      type: 'limit',
      price,
      quantity,
      timeInForce: 'GTC',
    })
  return JSON.stringify([
    order(maker, n % 2 === 0 ? 'sell' : 'buy', '1'),
    order(taker, n % 2 === 0 ? 'buy' : 'sell', '0.25'),
  ])
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The address of read `n`: never asked before, so its signature is never cached. */
function freshAddress(n: number): string {
  return `0x${n.toString(16).padStart(40, '0')}`
}

/** Runs the reads of one workload against `urls` for `seconds`; counts and latencies. */
async function runLoad(
  urls: readonly string[],
  path: (n: number) => string,
  parameters: ApiReadsParameters,
  start: { next: number },
) {
  let reads = 0
  let errors = 0
  const latencies: number[] = []
  const end = performance.now() + parameters.seconds * 1000
  await Promise.all(
    Array.from({ length: parameters.concurrency }, async (_, worker) => {
      const url = urls[worker % urls.length]!
      while (performance.now() < end) {
        const t0 = performance.now()
        const response = await call(`${url}${path(start.next++)}`)
        if (response.status === 200) reads += 1
        else errors += 1
        latencies.push(performance.now() - t0)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  return { reads, errors, latencies }
}

/** Phase D; returns its results as flat key/values for the SUMMARY block. */
export async function measureApiReads(
  parameters: ApiReadsParameters,
): Promise<Record<string, string | number>> {
  const { log } = parameters
  const server = await startPostgresServer()
  const processes: ServiceProcess[] = []
  const sequencer = new InMemorySequencer()
  const databaseUrl = await server.createDatabase()
  const applierPort = await freeLoopbackPort()
  const registry = testRegistry(1, applierPort)
  const applier = await createTestReplica({ sequencer, databaseUrl, registry })
  const running = applier.start()
  const http = serve({ fetch: applier.app.fetch, hostname: '127.0.0.1', port: applierPort })
  try {
    for (let n = 0; n < parameters.batches; n++) sequencer.append(seedBatch(n))
    while (applier.state.position.index < parameters.batches) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const apis = await spawnApiProcesses({
      count: 2,
      registry,
      databaseUrl,
      applierUrl: `http://127.0.0.1:${applierPort}`,
      // The load comes from one address: the per-client limits would cap it.
      environment: {
        REPLICA_SIGNED_READ_RATE_PER_SECOND: '1000000',
        REPLICA_SIGNED_READ_BURST: '1000000',
        // Each signed read is a new signature: the replica-wide budget would cap them too.
        REPLICA_SIGNATURES_PER_SECOND: '1000000',
        REPLICA_SIGNATURES_BURST: '1000000',
      },
    })
    processes.push(...apis.map(({ process }) => process))
    const urls = apis.map(({ url }) => url)
    for (const url of urls) {
      for (let tries = 0; (await call(`${url}/markets`).catch(() => undefined))?.status !== 200;) {
        if (++tries > 600) throw new Error(`API process ${url} did not start`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const workloads = {
      signed: (n: number) => `/balance?address=${freshAddress(n)}&token=USDT`,
      book: () => '/orderbook?market=ETH/USDT&depth=20',
    }
    const results: Record<string, string | number> = {}
    const loads: number[] = []
    const counter = { next: 1 }
    for (const [name, path] of Object.entries(workloads)) {
      // Warm-up: connections, JIT, the database's caches.
      await runLoad(urls, path, { ...parameters, seconds: 1 }, counter)
      const runs: Record<number, Record<string, number>[]> = { 1: [], 2: [] }
      for (let round = 0; round < parameters.rounds; round++) {
        for (const count of [1, 2]) {
          loads.push(loadavg()[0]!)
          const before = {
            api: processes.map((p) => cpuMillisOf(p.child.pid) ?? 0),
            postgres: server.totalCpuMs(),
            self: process.cpuUsage(),
          }
          const run = await runLoad(urls.slice(0, count), path, parameters, counter)
          const api = processes.map((p, at) => (cpuMillisOf(p.child.pid) ?? 0) - before.api[at]!)
          const self = process.cpuUsage(before.self)
          const perRead = (ms: number) => Math.round((ms * 1000) / Math.max(1, run.reads))
          const rate = Math.round(run.reads / parameters.seconds)
          runs[count]!.push({
            readsPerSecond: rate,
            errors: run.errors,
            p50Ms: percentile(run.latencies, 50),
            p99Ms: percentile(run.latencies, 99),
            cpuMicrosPerRead_api1: perRead(api[0]!),
            cpuMicrosPerRead_api2: perRead(api[1]!),
            cpuMicrosPerRead_postgres: perRead(server.totalCpuMs() - before.postgres),
            // The load generator and the idle applier share this process.
            cpuMicrosPerRead_benchProcess: perRead((self.user + self.system) / 1000),
            // What the API processes could serve with a core each at this cost: the rate that
            // holds still when other processes take the machine's cores.
            apiCpuBoundReadsPerSecond: Math.round(
              (count * 1e6) / Math.max(1, perRead(api[0]! + api[1]!)),
            ),
          })
          log(`D ${name} ${count} API process(es): ${rate} reads/s (${run.errors} errors)`)
        }
      }
      // Medians over the rounds, and every round's rate (alternated 1, 2, 1, 2, …).
      for (const count of [1, 2]) {
        const prefix = `d_${name}_${count}api_`
        for (const key of Object.keys(runs[count]![0]!)) {
          const value = median(runs[count]!.map((run) => run[key]!))
          results[prefix + key] = key.endsWith('Ms') ? value.toFixed(2) : Math.round(value)
        }
        results[`${prefix}readsPerSecondEachRound`] = runs[count]!.map(
          (run) => run.readsPerSecond,
        ).join(' ')
      }
      const ratio = (key: string) =>
        (
          Number(results[`d_${name}_2api_${key}`]) /
          Math.max(1, Number(results[`d_${name}_1api_${key}`]))
        ).toFixed(2)
      results[`d_${name}_speedup`] = ratio('readsPerSecond')
      results[`d_${name}_apiCpuBoundSpeedup`] = ratio('apiCpuBoundReadsPerSecond')
    }
    results.d_loadAverage1mMin = Math.min(...loads).toFixed(1)
    results.d_loadAverage1mMax = Math.max(...loads).toFixed(1)
    return results
  } finally {
    for (const process of processes) {
      process.child.kill('SIGTERM')
      await process.exited
    }
    http.close()
    await applier.stop()
    await running.catch(() => undefined)
    server.stop()
    removeTemporaryFolders()
  }
}
