/**
 * Replica benchmark (`npm run bench:replica`), three phases:
 *
 * A. apply throughput: verified signed transfers applied per second by one replica through its
 *    real apply path (JSON, intent rules, EIP-191 signer recovery, ledger, one SQLite commit per
 *    batch, WAL with synchronous=NORMAL), fed pre-signed 5 KB batches so nothing else competes.
 *    Run with signatures checked inline and with one verifier worker thread reading ahead, on
 *    each database of `--db` (`sqlite`, the default, and/or `postgres`: a throwaway PostgreSQL
 *    server started for the run, `store/postgresServer.ts`); every run must reach one state hash.
 * B. latency: 3 replica processes on a real 4-node Zellular network; transfers are POSTed at a
 *    fixed rate round-robin to the replicas, and the time from POST to the receipt on the SSE
 *    stream of every replica is recorded (p50/p99 of the slowest replica, and of the first).
 * C. signed balance reads per second from one replica process over HTTP (keep-alive, 32
 *    concurrent), with the (address, token, index) signature cache, plus the cold signing rate.
 * D. (only when asked: `--phases=D`) reads per second of a replica on PostgreSQL served by 1 and
 *    by 2 API processes beside its applier (`bench/apiReads.ts`): cold signed balances and the
 *    order book, with CPU per read of each API process, of the PostgreSQL server and of the
 *    benchmark process.
 * E. (only when asked: `--phases=E`) one order-book read of the PostgreSQL API processes at 10k
 *    and 100k open orders (`bench/bookReads.ts`).
 *
 *   npm run bench:replica                         # full run
 *   npm run bench:replica -- --smoke              # seconds, for a quick check
 *   npm run bench:replica -- --phases=A,C          # some phases only
 *   npm run bench:replica -- --phases=A --db=sqlite,postgres   # phase A on both databases
 *   npm run bench:replica -- --phases=A --batch-encoding=json  # batches of wire JSON objects
 *   npm run bench:replica -- --phases=B --rates=1000,300 --seconds=20
 *   npm run bench:replica -- --phases=B --rates=600 --cpu-prof-dir=/tmp/prof   # profiles
 *   npm run bench:replica -- --phases=D --read-seconds=5 --read-concurrency=64 --read-rounds=5
 *   npm run bench:replica -- --phases=E
 *
 * NOTE: the SUMMARY block and JSON line are printed by `printSummary` of `bench/report.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { testAccount } from '../shared/exchange/testing.ts'
import { batchItemEncodings, initKeccak } from '../shared/intents/index.ts'
import { initZellular } from '../shared/zellular/index.ts'
import { BalanceSigner } from '../server/replica/balanceSigner.ts'
import { startPostgresServer } from '../server/replica/store/postgresServer.ts'
import {
  call,
  drained,
  processesByRole,
  sendAtRate,
  startBenchCluster,
  type BenchAccounts,
} from './clusterLoad.ts'
import { measureApiReads } from './apiReads.ts'
import { measureBookReads } from './bookReads.ts'
import { measureApply, benchAccounts, transferRounds } from './replicaApply.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'
import { startCpuAccounting } from './processCpu.ts'
import { BenchArguments } from './benchArguments.ts'
const args = new BenchArguments(process.argv.slice(2))
const smoke = args.smoke
const phases = args.choices('phases', ['A', 'B', 'C', 'D', 'E'], ['A', 'B', 'C'])
/** `--db=sqlite,postgres`: the databases phase A commits into (B and C run on SQLite). */
const databases = args.choices('db', ['sqlite', 'postgres'], ['sqlite'])
const option = (name: string, full: number, small: number): number =>
  args.number(name, smoke ? small : full)
const replicaEnvironment = args.environment('replica-env')
/** Zellular node settings, e.g. `--zellular-env=ZSEQUENCER_SYNC_INTERVAL=0.1`. */
const zellularEnvironment = args.environment('zellular-env')

/**
 * `--cpu-prof-dir=DIR`: every node and replica process writes a V8 CPU profile there when the
 * benchmark stops it (open them in Chrome DevTools), to see where the shared cores go.
 */
const cpuProfileDir = args.text('cpu-prof-dir')
const profiledNodeOptions =
  cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`]

const parameters = {
  applyTransfers: option('transfers', 60_000, 3_000),
  applyAccounts: option('accounts', 2_000, 200),
  latencyRates: args.numbers('rates', smoke ? [200] : [300, 1000]),
  /** `--verifier-threads=0,1,2`: phase A runs once per count; all must reach the same hash. */
  applyVerifierThreads: args.numbers('verifier-threads', [0, 1]),
  /** `--batch-encoding=json`: phase A's batches in the wire JSON instead of the compact form. */
  applyBatchEncoding: args.choice('batch-encoding', batchItemEncodings, 'compact'),
  latencySeconds: option('seconds', 20, 3),
  latencyWarmupSeconds: option('warmup-seconds', 3, 1),
  readSeconds: option('read-seconds', 10, 2),
  readConcurrency: option('read-concurrency', 32, 16),
  /** Phase D: rounds of 1 and 2 API processes, alternated. */
  readRounds: option('read-rounds', 3, 1),
  zellularBasePort: 17_001,
  replicaBasePort: 17_101,
}
args.finish()

await Promise.all([initKeccak(), initZellular()])
const config: Record<string, unknown> = { ...environmentConfig(), smoke, phases: phases.join(',') }
const results: Record<string, unknown> = {}
const loads: number[] = []
const sampleLoad = () => loads.push(loadavg()[0] ?? 0)

if (phases.includes('A')) {
  Object.assign(config, {
    applyTransfers: parameters.applyTransfers,
    applyAccounts: parameters.applyAccounts,
    applyBatchBytesMax: 5_000,
    applyBatchEncoding: parameters.applyBatchEncoding,
    applySqliteSynchronous: 'NORMAL',
  })
  config.applyDatabases = databases.join(',')
  const hashes: string[] = []
  const server = databases.includes('postgres') ? await startPostgresServer() : undefined
  try {
    for (const db of databases) {
      for (const threads of parameters.applyVerifierThreads) {
        sampleLoad()
        const serverCpuMs = server?.cpuMs() ?? 0
        const run = await measureApply({
          transfers: parameters.applyTransfers,
          accounts: parameters.applyAccounts,
          batchBytesMax: 5_000,
          batchEncoding: parameters.applyBatchEncoding,
          durability: 'NORMAL',
          verifierThreads: threads,
          databaseUrl: db === 'postgres' ? await server!.createDatabase() : undefined,
        })
        const load = loadavg()[0]?.toFixed(2)
        console.log(
          `A ${db} threads=${threads}: ${run.transfersPerSecond} transfers/s, ` +
            `${run.cpuMicrosPerTransfer} µs CPU per transfer (${run.batches} batches, load ${load})`,
        )
        // SQLite keeps the names of the results from before `--db`.
        const name = (what: string) =>
          `apply${what}_${db === 'sqlite' ? '' : `${db}_`}verifierThreads${threads}`
        results[name('TransfersPerSecond')] = run.transfersPerSecond
        results[name('CpuMicrosPerTransfer')] = run.cpuMicrosPerTransfer
        // A thread that failed to start would silently leave the work inline: show it.
        results[name('BatchesPreparedInThreads')] = run.preparedInThreads
        if (db === 'postgres') {
          // The server's own processes: their CPU is not the benchmark process's. Backends end
          // when the run closes its connections; give the postmaster a moment to reap them.
          await new Promise((resolve) => setTimeout(resolve, 500))
          const used = server!.cpuMs() - serverCpuMs
          results[name('ServerCpuMicrosPerTransfer')] = Math.round((used * 1000) / run.applied)
          console.log(
            `  PostgreSQL server: ${results[name('ServerCpuMicrosPerTransfer')]} µs CPU per transfer`,
          )
        }
        results.applyBatches = run.batches
        results.applyRejected = run.rejected
        hashes.push(run.stateHash)
      }
    }
  } finally {
    server?.stop()
  }
  results.applyStateHash = hashes[0]
  // Verifying in a worker thread, or committing elsewhere, must not change a bit of the state.
  results.applySameStateHash = hashes.every((hash) => hash === hashes[0])
}

if (phases.includes('B') || phases.includes('C')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-replica-cluster-'))
  const accounts = benchAccounts(200)
  const { zellular, cluster } = await startBenchCluster({
    dir,
    accounts,
    zellularBasePort: parameters.zellularBasePort,
    replicaBasePort: parameters.replicaBasePort,
    zellularEnvironment,
    replicaEnvironment,
    nodeOptions: profiledNodeOptions,
  })
  Object.assign(config, {
    zellularNodes: 4,
    replicas: 3,
    replicaVerifierThreads: 0,
    replicaSqliteSynchronous: 'NORMAL',
    replicaEnvironment: JSON.stringify(replicaEnvironment),
    zellularEnvironment: JSON.stringify(zellularEnvironment),
  })
  try {
    if (phases.includes('B')) {
      await runLatency(cluster.urls(), accounts, await processesByRole(zellular, cluster))
    }
    if (phases.includes('C')) {
      await drained(cluster.urls())
      await runReads(cluster.urls()[0]!, accounts)
    }
  } finally {
    await cluster.stop()
    await zellular.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (phases.includes('D')) {
  const batches = smoke ? 50 : 400
  const rounds = parameters.readRounds
  sampleLoad()
  Object.assign(config, {
    apiReadSeconds: parameters.readSeconds,
    apiReadConcurrency: parameters.readConcurrency,
    apiReadSeedBatches: batches,
    apiReadRounds: rounds,
  })
  Object.assign(
    results,
    await measureApiReads({
      seconds: parameters.readSeconds,
      concurrency: parameters.readConcurrency,
      batches,
      rounds,
      log: (line) => console.log(line),
    }),
  )
  sampleLoad()
}

if (phases.includes('E')) {
  sampleLoad()
  const openOrders = smoke ? [1_000] : [10_000, 100_000]
  Object.assign(config, { bookReadOpenOrders: openOrders.join(',') })
  Object.assign(results, await measureBookReads({ openOrders, reads: smoke ? 5 : 30 }))
  sampleLoad()
}

config.loadAverage1m = loads.map((load) => load.toFixed(1)).join(' ')
printSummary(`replica${smoke ? '-smoke' : ''}`, config, results)
process.exit(0)

/** Phase B at each rate: warm-up, then the measured run. */
async function runLatency(
  urls: string[],
  accounts: BenchAccounts,
  processes: Record<string, number | undefined>,
) {
  const { latencyRates, latencySeconds, latencyWarmupSeconds } = parameters
  Object.assign(config, {
    latencyRatesPerSecond: latencyRates.join(','),
    latencySeconds,
    latencyWarmupSeconds,
  })
  const batchOf = transferRounds(accounts)
  for (const rate of latencyRates) {
    await drained(urls)
    await sendAtRate(urls, batchOf(rate * latencyWarmupSeconds), rate, sampleLoad)
    const intents = batchOf(rate * latencySeconds)
    const cpu = startCpuAccounting(processes)
    const run = (await sendAtRate(urls, intents, rate, sampleLoad)).summary
    const prefix = `b${rate}_`
    for (const [key, value] of Object.entries(run)) results[prefix + key] = value
    // CPU per applied transfer of each process over the measured run (sending and draining).
    const used = cpu.stop()
    if (run.appliedOnAllReplicas === 0) continue
    const perTransfer = (ms: number) =>
      Math.round((ms * 1000) / Math.max(1, run.appliedOnAllReplicas))
    for (const [name, ms] of Object.entries(used)) {
      results[`${prefix}cpuMicrosPerTransfer_${name}`] = perTransfer(ms)
    }
    const total = Object.values(used).reduce((sum, ms) => sum + ms, 0)
    results[`${prefix}cpuMicrosPerTransfer_total`] = perTransfer(total)
    // What the whole system could carry if it had every core to itself at this cost.
    results[`${prefix}cpuBoundTransfersPerSecond`] = Math.round(
      (cpus().length * 1e6) / Math.max(1, perTransfer(total)),
    )
    console.log(
      `B ${rate}/s: p50 ${run.submitToAppliedAllP50Ms} ms, p99 ${run.submitToAppliedAllP99Ms} ms`,
    )
  }
}

/** Phase C: signed balance reads over HTTP, and the cold signing rate. */
async function runReads(url: string, accounts: BenchAccounts) {
  const seconds = parameters.readSeconds
  const concurrency = parameters.readConcurrency
  Object.assign(config, { readSeconds: seconds, readConcurrency: concurrency, readAddresses: 100 })
  const paths = accounts.slice(0, 100).map((a) => `${url}/balance?address=${a.address}&token=USDT`)
  sampleLoad()
  let reads = 0
  let errors = 0
  const latencies: number[] = []
  const end = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      let n = worker
      while (performance.now() < end) {
        const t0 = performance.now()
        const response = await call(paths[n++ % paths.length]!)
        if (response.status === 200) reads += 1
        else errors += 1
        latencies.push(performance.now() - t0)
      }
    }),
  )
  latencies.sort((a, b) => a - b)
  // Cold: every read a cache miss (a new index each time), in-process.
  const signer = new BalanceSigner(new Uint8Array(32).fill(9), {
    app: 'zellular-orderbook',
    network: 'devnet',
    replicaId: 'replica-1',
    genesisHash: `0x${'00'.repeat(32)}`,
  })
  const cold = smoke ? 50 : 500
  // No client to charge: the signatures themselves are measured.
  const unlimited = { spend: () => {} }
  const t0 = performance.now()
  for (let i = 0; i < cold; i++) {
    const at = { index: i, chainingHash: i.toString(16).padStart(32, '0') }
    const balance = { available: 10n, locked: 0n }
    signer.signAll(testAccount(1).address, [{ token: 'USDT', balance, at }], unlimited)
  }
  Object.assign(results, {
    readsPerSecond: Math.round(reads / seconds),
    readErrors: errors,
    readP50Ms: percentile(latencies, 50).toFixed(2),
    readP99Ms: percentile(latencies, 99).toFixed(2),
    coldSignaturesPerSecond: Math.round(cold / ((performance.now() - t0) / 1000)),
  })
  console.log(`C: ${results.readsPerSecond} signed reads/s`)
}
