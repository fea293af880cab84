import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  devnetTokens,
  fullStateHash,
  restoreExchange,
  type Exchange,
  type ExchangeConfig,
} from '../shared/exchange/index.ts'
import { initSha256 } from '../shared/stateHash/index.ts'
import { signIntent, testAccount, type TestAccount } from '../shared/exchange/testing.ts'
import {
  createTokenRegistry,
  initKeccak,
  type Address,
  type WireIntent,
} from '../shared/intents/index.ts'
import { ReplicaState, type FinalizedBatch } from '../server/replica/replicaState.ts'
import { ReplicaStore } from '../server/replica/store/replicaStore.ts'
import { SqliteStorage } from '../server/replica/store/sqliteStorage.ts'
import type { StoredState } from '../server/replica/store/replicaStorage.ts'
import { createReplica } from '../server/replica/replica.ts'
import { InMemorySequencer, testBlsKey } from '../server/replica/testing.ts'
import {
  batchItemsOf,
  benchGenesis,
  benchRegistry,
  packBatches,
  transferOf,
} from './applyHarness.ts'
import { environmentConfig, percentile, printSummary } from './report.ts'
import { BenchArguments } from './benchArguments.ts'

/*
 * bench:state — whether a replica's consensus state stays bounded. Applies `intents` signed
 * transfers from `accounts` accounts (each account's nonces are millisecond times, several per
 * account) through the replica's real apply path (parse, signer recovery, ledger, SQLite commit),
 * in 5 KB batches that carry a Zellular sync-point time, and reports at each checkpoint: the
 * consensus state's size (nonces kept, nonce-window rows, live balances), its bytes on disk (the
 * nonce_windows and balances tables; balance_history and receipts are history), the heap after a
 * full GC, the incremental state hash after each commit group of up to 32 batches (median and
 * largest since the previous checkpoint, as the replica pays it once per interval) and the hash
 * built from scratch (what a restart pays); at the end, the time from opening the database to
 * answering /status, and that restart step by step (`restart_*`: read the state, rebuild the
 * exchange, build the state tree).
 * The intents are signed once into a cached fixture (bench/.state-scratch/, git-ignored; not
 * timed): one 65-byte signature per intent, the rest derived from the intent's number.
 *
 *   npm run bench:state                 # 100,000 accounts, 1,000,000 intents
 *   npm run bench:state -- --smoke      # 2,000 accounts, 20,000 intents
 *   npm run bench:state -- --accounts 1000 --intents 500000 --checkpoints 100000,250000,500000
 *                                       # windows full after 100,000 intents: the state is flat
 *   npm run bench:state -- --hash-every 5000  # one state hash per 5,000 intents, not per group
 *   npm run bench:state -- --keep-database /tmp/state.db
 *                                       # also keeps a copy of the database (for profiling restart)
 *   npm run bench:state -- --restart /tmp/state.db
 *                                       # only the restart, on a copy of a kept database (made
 *                                       # with the same --accounts)
 */

const args = new BenchArguments(process.argv.slice(2))
const smoke = args.smoke
const accountCount = args.number('accounts', smoke ? 2_000 : 100_000, { integer: true, min: 1 })
const intentCount = args.number('intents', smoke ? 20_000 : 1_000_000, { integer: true })
const checkpoints = args.numbers(
  'checkpoints',
  smoke ? [2_000, 10_000, 20_000] : [100_000, 500_000, 1_000_000],
)
/**
 * `--hash-every N`: intents applied between two state hashes. By default (0) the state is hashed
 * after every commit group, the most often a replica can hash; a replica hashes at its root
 * checkpoints, once per `REPLICA_STATE_HASH_INTERVAL_MS` (1 s), so e.g. 5,000 is a second of
 * phase A's apply rate: paths to the root shared by more changed leaves.
 */
const hashEvery = args.number('hash-every', 0, { integer: true })
/** A kept database to restart from, skipping the apply (`--restart`). */
const restartFrom = args.text('restart') ?? ''
/** Where to keep a copy of the database after the apply (`--keep-database`). */
const keepDatabase = args.text('keep-database') ?? ''
args.finish()
/** The sync-point time of every batch (unix seconds); nonces are milliseconds from it. */
const syncPointSeconds = 1_800_000_000
const groupMax = 32

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

await Promise.all([initKeccak(), initSha256()])
const tokens = createTokenRegistry(devnetTokens)
const accounts = Array.from({ length: accountCount }, (_, i) => testAccount(200_000 + i))

/** Intent `n` of the transfer pattern; nonces are milliseconds from the sync-point time. */
function fieldsOf(n: number): { from: TestAccount; fields: Record<string, string> } {
  return transferOf(accounts, n, syncPointSeconds * 1000 + 1)
}

/** The signatures of every intent, from the fixture file, signing it first if absent. */
function loadSignatures(): Buffer {
  const dir = join(import.meta.dirname, '.state-scratch')
  const file = join(dir, `signatures-${accountCount}-${intentCount}.bin`)
  if (existsSync(file) && statSync(file).size === intentCount * 65) return readFileSync(file)
  mkdirSync(dir, { recursive: true })
  const out = Buffer.alloc(intentCount * 65)
  const started = performance.now()
  for (let n = 0; n < intentCount; n++) {
    const { from, fields } = fieldsOf(n)
    const wire = signIntent(from, tokens, fields)
    out.write(wire.signature.slice(2), n * 65, 'hex')
    if (n % 100_000 === 99_999) console.log(`signed ${n + 1} in ${elapsed(started)} s`)
  }
  writeFileSync(file, out)
  return out
}

function wireOf(n: number, signatures: Buffer): WireIntent {
  const { from, fields } = fieldsOf(n)
  const signature = `0x${signatures.subarray(n * 65, n * 65 + 65).toString('hex')}`
  return {
    ...fields,
    signer: from.address,
    app: 'zellular-orderbook',
    network: 'devnet',
    version: 1,
    signature,
  } as unknown as WireIntent
}

function elapsed(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1)
}

const genesis = benchGenesis(accounts)

const signatures = restartFrom === '' ? loadSignatures() : Buffer.alloc(0)
const dir = mkdtempSync(join(tmpdir(), 'bench-state-'))
const databaseFile = join(dir, 'replica.db')
if (restartFrom !== '') copyFileSync(restartFrom, databaseFile)
const store = new ReplicaStore(databaseFile)
const registry = benchRegistry()
const exchangeConfig: ExchangeConfig = {
  domain: { app: registry.app, network: registry.network },
  genesis,
  markets: registry.markets,
}
const state =
  restartFrom === ''
    ? await ReplicaState.open(new SqliteStorage(store), { registry, genesis })
    : undefined
const results: Record<string, unknown> = {}

function count(table: string): number {
  return (store.sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n
}

/** Bytes of a table and its indexes, from SQLite's dbstat (pages in use). */
function tableBytes(table: string): number {
  const row = store.sqlite
    .prepare('SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name = ?')
    .get(table) as { bytes: number | null }
  return row.bytes ?? 0
}

/**
 * Incremental hashes since the last checkpoint: wall and CPU ms each, and the state leaves the
 * group changed (each transfer's sender and receiver balances and the sender's nonce window,
 * each once per group), for the root's cost per changed leaf.
 */
const groupHashes: { wallMs: number; cpuMs: number; changedLeaves: number }[] = []
/** The batches applied since the last state hash, and their intents (`--hash-every`). */
let bodiesSinceHash: string[] = []
let intentsSinceHash = 0

/** Runs `work`, returning its wall and CPU (user + system) milliseconds. */
function timed(work: () => unknown): { wallMs: number; cpuMs: number } {
  // Wall time and CPU time: on a shared machine the CPU time is the figure that holds.
  const started = performance.now()
  const cpu = process.cpuUsage()
  work()
  const used = process.cpuUsage(cpu)
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 }
}

/** The median of `values` (report.ts's percentile, on a sorted copy); 0 when there are none. */
function median(values: readonly number[]): number {
  return values.length === 0
    ? 0
    : percentile(
        [...values].sort((a, b) => a - b),
        50,
      )
}

function measure(at: number): void {
  store.sqlite.pragma('wal_checkpoint(TRUNCATE)')
  gc()
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20
  const wall = groupHashes.map((h) => h.wallMs)
  const cpu = groupHashes.map((h) => h.cpuMs)
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0)
  const changedLeaves = sum(groupHashes.map((h) => h.changedLeaves))
  const cpuPerLeaf = groupHashes.map((h) => (1000 * h.cpuMs) / Math.max(1, h.changedLeaves))
  groupHashes.length = 0
  const exchange = state!.exchange
  const full = timed(() => fullStateHash(exchange))
  const ledger = exchange.ledger
  const key = `at${at}`
  Object.assign(results, {
    [`${key}_keptNonces`]: ledger
      .signers()
      .reduce((sum, signer) => sum + ledger.keptNonces(signer).length, 0),
    [`${key}_windowRows`]: count('nonce_windows'),
    [`${key}_signersWithWindow`]: ledger.signers().length,
    [`${key}_liveBalances`]: ledger.addresses().flatMap((a) => ledger.balancesOf(a)).length,
    [`${key}_nonceWindowsMB`]: (tableBytes('nonce_windows') / 2 ** 20).toFixed(1),
    [`${key}_balancesMB`]: (tableBytes('balances') / 2 ** 20).toFixed(1),
    [`${key}_balanceHistoryMB`]: (tableBytes('balance_history') / 2 ** 20).toFixed(1),
    [`${key}_receiptsMB`]: (tableBytes('receipts') / 2 ** 20).toFixed(1),
    [`${key}_databaseMB`]: (statSync(databaseFile).size / 2 ** 20).toFixed(1),
    [`${key}_heapMB`]: heapMb.toFixed(0),
    [`${key}_stateHashGroups`]: wall.length,
    [`${key}_stateHashP50Ms`]: median(wall).toFixed(2),
    [`${key}_stateHashP50CpuMs`]: median(cpu).toFixed(2),
    [`${key}_stateHashMaxMs`]: Math.max(0, ...wall).toFixed(2),
    [`${key}_stateHashMaxCpuMs`]: Math.max(0, ...cpu).toFixed(2),
    [`${key}_stateHashChangedLeavesPerGroup`]: (changedLeaves / Math.max(1, wall.length)).toFixed(
      0,
    ),
    [`${key}_stateHashCpuUsPerChangedLeaf`]: (
      (1000 * sum(cpu)) /
      Math.max(1, changedLeaves)
    ).toFixed(2),
    [`${key}_stateHashP50CpuUsPerChangedLeaf`]: median(cpuPerLeaf).toFixed(2),
    [`${key}_fullStateHashMs`]: full.wallMs.toFixed(0),
    [`${key}_fullStateHashCpuMs`]: full.cpuMs.toFixed(0),
  })
  const names = [
    'keptNonces',
    'heapMB',
    'stateHashP50Ms',
    'stateHashMaxMs',
    'stateHashCpuUsPerChangedLeaf',
    'stateHashP50CpuUsPerChangedLeaf',
    'fullStateHashMs',
  ]
  const summary = names.map((name) => results[`${key}_${name}`])
  console.log(`at ${at} intents: ${names.join(', ')}`, summary)
}

/** The distinct state leaves the transfers in `bodies` write (see `groupHashes`). */
function changedLeavesOf(bodies: readonly string[]): number {
  const leaves = new Set<string>()
  for (const body of bodies) {
    for (const intent of JSON.parse(body) as { signer: string; to: string; token: string }[]) {
      leaves.add(`balance ${intent.signer} ${intent.token}`)
      leaves.add(`balance ${intent.to} ${intent.token}`)
      leaves.add(`nonces ${intent.signer}`)
    }
  }
  return leaves.size
}

/**
 * Applies intents `from` … `to` − 1 in batches of whole intents up to 5 KB after batch `index`,
 * committed `groupMax` at a time as the apply loop does; returns the last batch index. The batch
 * bodies are released before the checkpoint measures the heap.
 */
async function applyUpTo(from: number, to: number, index: number): Promise<number> {
  const intents: WireIntent[] = []
  for (let n = from; n < to; n++) intents.push(wireOf(n, signatures))
  const bodies = packBatches(batchItemsOf(intents), 5_000)
  for (let start = 0; start < bodies.length; start += groupMax) {
    const group = bodies.slice(start, start + groupMax).map((body): { batch: FinalizedBatch } => ({
      batch: {
        index: ++index,
        body,
        chainingHash: index.toString(16).padStart(32, '0'),
        timestamp: syncPointSeconds,
      },
    }))
    await state!.applyGroup(group)
    for (const { batch } of group) {
      bodiesSinceHash.push(batch.body)
      intentsSinceHash += (JSON.parse(batch.body) as unknown[]).length
    }
    if (intentsSinceHash < hashEvery) continue
    const changedLeaves = changedLeavesOf(bodiesSinceHash)
    groupHashes.push({ ...timed(() => state!.stateHash()), changedLeaves })
    bodiesSinceHash = []
    intentsSinceHash = 0
  }
  return index
}

/**
 * Where a restart's time goes, step by step as `ReplicaState.open` and the first `/status` take
 * them: open (and migrate) the database, read the current state, rebuild the exchange (ledger
 * and books), build the state tree from scratch. Wall and CPU ms of each.
 */
function measureRestartSteps(): void {
  const reopened = new ReplicaStore(databaseFile)
  try {
    const tokenList = [...createTokenRegistry(genesis.tokens).values()]
    const markets = registry.markets.map((market) => market.id)
    let stored: StoredState | undefined
    let exchange: Exchange | undefined
    const steps = {
      load: timed(
        () => (stored = reopened.loadState(tokenList, genesis.issuer as Address, markets)),
      ),
      restore: timed(() => (exchange = restoreExchange(exchangeConfig, stored!))),
      hash: timed(() => exchange!.stateHash()),
    }
    for (const [name, { wallMs, cpuMs }] of Object.entries(steps)) {
      results[`restart_${name}Ms`] = wallMs.toFixed(0)
      results[`restart_${name}CpuMs`] = cpuMs.toFixed(0)
    }
  } finally {
    reopened.close()
  }
}

try {
  // Each checkpoint ends on a batch boundary.
  let applied = 0
  let index = 0
  const started = performance.now()
  for (const checkpoint of restartFrom === '' ? checkpoints : []) {
    index = await applyUpTo(applied, checkpoint, index)
    applied = checkpoint
    console.log(`applied ${applied} intents in ${elapsed(started)} s`)
    measure(checkpoint)
  }
  if (restartFrom === '') results.applySeconds = elapsed(started)
  results.receiptsApplied = count('receipts')

  // Restart to serving: open the database, rebuild the state, answer /status.
  store.close()
  if (keepDatabase !== '') copyFileSync(databaseFile, keepDatabase)
  gc()
  measureRestartSteps()
  gc()
  const restartStarted = performance.now()
  const restartCpu = process.cpuUsage()
  const replica = await createReplica({
    replicaId: 'replica-1',
    registry,
    genesis,
    blsSecretKey: testBlsKey(1),
    databaseFile,
    zellular: new InMemorySequencer(),
    log: () => {},
  })
  const status = await replica.app.request('/status')
  if (status.status !== 200)
    throw new Error(`/status answered ${status.status}: ${await status.text()}`)
  results.restartToServingMs = (performance.now() - restartStarted).toFixed(0)
  const restartUsed = process.cpuUsage(restartCpu)
  results.restartToServingCpuMs = ((restartUsed.user + restartUsed.system) / 1000).toFixed(0)
  await replica.stop()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

printSummary(
  restartFrom !== ''
    ? 'state-restart'
    : smoke
      ? 'state-smoke'
      : accountCount === 100_000 && intentCount === 1_000_000
        ? 'state'
        : `state-${accountCount}-${intentCount}`,
  {
    ...environmentConfig(),
    accounts: accountCount,
    intents: intentCount,
    nonceWindow: 100,
    hashEveryIntents: hashEvery,
  },
  results,
)
