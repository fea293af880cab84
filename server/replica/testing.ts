import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import type { ServerType } from '@hono/node-server'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NodeState } from '../../shared/zellular/index.ts'
import type { ReplicaRegistry } from '../../shared/api/index.ts'
import { blsIdentityOf, defaultQuorum } from '../../shared/attest/index.ts'
import { devnetMarkets, devnetTokens } from '../../shared/exchange/index.ts'
import {
  signIntent,
  testAccount,
  testDomain,
  type TestAccount,
} from '../../shared/exchange/testing.ts'
import { createTokenRegistry } from '../../shared/intents/index.ts'
import type { LedgerGenesis } from '../../shared/ledger/index.ts'
import type Database from 'better-sqlite3'
import type { FinalizedBatch, ReplicaState } from './replicaState.ts'
import { listenHttp } from '../listenHttp.ts'
import { freeLoopbackPort, freeLoopbackPorts } from '../loopbackPorts.ts'
import { spawnService, type ServiceProcess } from '../serviceProcesses.ts'
import { startPostgresServer, type PostgresServer } from './store/postgresServer.ts'
import { SqliteStorage } from './store/sqliteStorage.ts'
import {
  createReplica,
  type Replica,
  type ReplicaConfig,
  type ReplicaParameters,
  type ZellularPort,
} from './replica.ts'

/*
 * Helpers for this folder's tests and for bench/replica.ts: an in-memory sequencer standing in
 * for Zellular, and replicas built in-process around it.
 */

// The ports tests give the processes they start (`server/loopbackPorts.ts`).
export { freeLoopbackPort, freeLoopbackPorts }

/**
 * A single-process stand-in for Zellular: `send` appends a batch, `batches` streams them in
 * order to any number of readers. No proofs: only for tests of the replica itself.
 */
export class InMemorySequencer implements ZellularPort {
  readonly app = 'orderbook'
  readonly bodies: string[] = []
  /**
   * `chainingHashes[i]` is batch i+1's: shaped like Zellular's (32 hex digits) and chained like
   * them, `h(previous + h(body))`, with sha256 for xxh128, so two histories differ from their
   * first different batch on.
   */
  readonly chainingHashes: string[] = []
  /** `timestamps[i]` is batch i+1's sync-point time (unix seconds), if it has one. */
  readonly timestamps: (number | undefined)[] = []
  /**
   * The sync-point time (unix seconds) given to the batches appended from now on, as a Zellular
   * finalization would carry it; undefined (the default) gives none, so they keep the previous
   * batch's time (see `Exchange.time`).
   */
  timestamp: number | undefined = undefined
  /**
   * When set, batches are released only once a later sync point finalizes them, each carrying
   * that finalization and its parent, as a Zellular node's verified pages do; `append(body,
   * true)` makes a batch a sync point. Unset (the default), batches carry no finalization.
   */
  finalizing = false
  /** Indexes of the sync points, ascending. */
  readonly syncPoints: number[] = []
  private waiters: (() => void)[] = []
  /** Set to make `send` fail, as if every node were down. */
  failing = false

  async send(body: string): Promise<void> {
    if (this.failing) throw new Error('no node took the batch')
    this.append(body)
  }

  async sendBulk(bodies: readonly string[]): Promise<void> {
    if (this.failing) throw new Error('no node took the batches')
    for (const body of bodies) this.append(body)
  }

  append(body: string, syncPoint = false): void {
    const previous = this.chainingHashes.at(-1) ?? ''
    this.chainingHashes.push(shortHash(previous + shortHash(body)))
    this.timestamps.push(this.timestamp)
    this.bodies.push(body)
    if (syncPoint) this.syncPoints.push(this.bodies.length)
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }

  async *batches(parameters: {
    after: number
    signal?: AbortSignal
  }): AsyncGenerator<FinalizedBatch> {
    let next = parameters.after
    const signal = parameters.signal
    while (!signal?.aborted) {
      const at = this.syncPoints.findIndex((index) => index > next)
      if (next < this.bodies.length && (!this.finalizing || at >= 0)) {
        const body = this.bodies[next]!
        next += 1
        const chainingHash = this.chainingHashes[next - 1]!
        // A batch takes the time of the sync point that releases it, as Zellular's do.
        const index = this.syncPoints[at] ?? next
        const timestamp = this.timestamps[(this.finalizing ? index : next) - 1]
        const finalization = this.finalizing
          ? { index, parentIndex: this.syncPoints[at - 1] ?? 0 }
          : undefined
        yield { index: next, body, chainingHash, timestamp, finalization }
        continue
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal?.removeEventListener('abort', wake)
          resolve()
        }
        this.waiters.push(wake)
        signal?.addEventListener('abort', wake, { once: true })
      })
    }
  }

  async lastFinalized(): Promise<{ index: number } | null> {
    return this.bodies.length === 0 ? null : { index: this.bodies.length }
  }

  async nodeStates(): Promise<NodeState[]> {
    return []
  }
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32)
}

export const faucet = testAccount(1)

/** Test traders with genesis balances. */
export const traders: TestAccount[] = Array.from({ length: 8 }, (_, i) => testAccount(100 + i))

/** Genesis: each trader has 1,000,000 USDT and 100 ETH. */
export const testGenesis: LedgerGenesis = {
  issuer: faucet.address,
  tokens: [...devnetTokens],
  balances: traders.flatMap((trader) => [
    { address: trader.address, token: 'USDT', amount: '1000000' },
    { address: trader.address, token: 'ETH', amount: '100' },
  ]),
}

/** The token registry of `testGenesis`, as a replica builds it. */
export const testTokens = createTokenRegistry(testGenesis.tokens)

/** The first two traders, by the names the tests give them. */
export const [alice, bob] = traders as [TestAccount, TestAccount]

/** BLS secret key of test replica `n` (1-based): 32 bytes of n. */
export function testBlsKey(n: number): Uint8Array {
  return new Uint8Array(32).fill(n)
}

/** A registry of `count` replicas on 127.0.0.1 from `basePort`. */
export function testRegistry(count: number, basePort: number): ReplicaRegistry {
  return {
    ...testDomain,
    quorum: defaultQuorum(count),
    replicas: Array.from({ length: count }, (_, i) => ({
      id: `replica-${i + 1}`,
      url: `http://127.0.0.1:${basePort + i}`,
      ...blsIdentityOf(testBlsKey(i + 1)),
    })),
    tokens: [...devnetTokens],
    markets: [...devnetMarkets],
  }
}

/** An in-process replica on a fresh temporary database, reading from `sequencer`. */
export function createTestReplica(options: {
  sequencer: InMemorySequencer
  registry?: ReplicaRegistry
  position?: number
  databaseFile?: string
  /** `postgres://…`: the state in that database instead of the SQLite file. */
  databaseUrl?: string
  parameters?: Partial<ReplicaParameters>
  fetch?: typeof fetch
  stateSync?: ReplicaConfig['stateSync']
  log?: (line: string) => void
}): Promise<Replica> {
  const position = options.position ?? 1
  const registry = options.registry ?? testRegistry(1, 15990)
  const databaseFile = options.databaseFile ?? temporaryDatabaseFile('replica-test-')
  return createReplica({
    replicaId: `replica-${position}`,
    registry,
    genesis: testGenesis,
    blsSecretKey: testBlsKey(position),
    databaseFile,
    databaseUrl: options.databaseUrl,
    zellular: options.sequencer,
    parameters: {
      batchWindowMs: 1,
      finalizedPollMs: 50,
      stateHashIntervalMs: 50,
      ...options.parameters,
    },
    log: options.log ?? (() => {}),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    stateSync: options.stateSync,
  })
}

/** `listenHttp` on 127.0.0.1 (`port` 0: any free one), with the port it listens on. */
export async function serveOnLoopback(
  fetch: Parameters<typeof listenHttp>[0],
  port = 0,
): Promise<{ server: ServerType; port: number }> {
  const server = await listenHttp(fetch, '127.0.0.1', port)
  return { server, port: (server.address() as AddressInfo).port }
}

/**
 * Replicas `positions` of `registry` reading `sequencer`, started and each served over HTTP on
 * 127.0.0.1, and the registry naming their URLs (the others' are a port nothing listens on).
 * With `atRegistryPorts`, each listens on its registry URL's port, so the replicas reach each
 * other too (root certificates, aggregates). Pair with `afterAll(stopStartedReplicas)`.
 */
export async function serveReplicas(options: {
  sequencer: InMemorySequencer
  registry: ReplicaRegistry
  positions: readonly number[]
  parameters?: Partial<ReplicaParameters>
  atRegistryPorts?: boolean
}): Promise<{ replicas: Replica[]; registry: ReplicaRegistry }> {
  const replicas: Replica[] = []
  const urls = new Map<string, string>()
  for (const position of options.positions) {
    const replica = await startReplica({ ...options, position })
    const own = new URL(options.registry.replicas[position - 1]!.url)
    const port = options.atRegistryPorts === true ? Number(own.port) : 0
    const served = await serveOnLoopback(replica.app.fetch, port)
    servers.set(replica, served.server)
    replicas.push(replica)
    urls.set(replica.deps.replicaId, `http://127.0.0.1:${served.port}`)
  }
  const registry: ReplicaRegistry = {
    ...options.registry,
    replicas: options.registry.replicas.map((replica) => ({
      ...replica,
      url: urls.get(replica.id) ?? 'http://127.0.0.1:9', // nothing listens there
    })),
  }
  return { replicas, registry }
}

/** The HTTP server of each replica `serveReplicas` serves, closed when it stops. */
const servers = new Map<Replica, ServerType>()

/** Folders made by `temporaryFolder` (or handed to `removeLater`), until `removeTemporaryFolders`. */
const temporaryFolders: string[] = []

/** A new empty folder under the system's temporary folder, removed by `removeTemporaryFolders`. */
export function temporaryFolder(prefix = 'replica-test-'): string {
  return removeLater(mkdtempSync(join(tmpdir(), prefix)))
}

/**
 * The path of a database file (not created) in a new temporary folder: the setup every storage
 * test repeats. Pair with `afterEach(removeTemporaryFolders)` (or `afterAll`).
 */
export function temporaryDatabaseFile(prefix = 'replica-db-', name = 'replica.db'): string {
  return join(temporaryFolder(prefix), name)
}

/** Marks a folder made elsewhere for `removeTemporaryFolders`; returns it. */
export function removeLater(folder: string): string {
  temporaryFolders.push(folder)
  return folder
}

/** Deletes every folder `temporaryFolder` made (and those handed to `removeLater`). */
export function removeTemporaryFolders(): void {
  for (const folder of temporaryFolders.splice(0)) rmSync(folder, { recursive: true, force: true })
}

/**
 * A real PostgreSQL server for one test file (`store/postgresServer.ts`): started before its
 * tests and stopped after them through the hooks given, vitest's `beforeAll` and `afterAll`
 * (passed in, so that this module needs no test runner). `createDatabase()` gives each test an
 * empty database of its own; `server()` the running server.
 */
export function usePostgresServer(hooks: {
  beforeAll(run: () => Promise<void>): void
  afterAll(run: () => void): void
}): { createDatabase(): Promise<string>; server(): PostgresServer } {
  let server: PostgresServer | undefined
  hooks.beforeAll(async () => {
    server = await startPostgresServer()
  })
  hooks.afterAll(() => server?.stop())
  const running = () => {
    if (server === undefined) throw new Error('the PostgreSQL server is not started yet')
    return server
  }
  return { createDatabase: () => running().createDatabase(), server: running }
}

/**
 * Starts `count` API processes of `replica-1` (the compiled `main.ts` with
 * `REPLICA_APPLIER_URL`), each on a free loopback port of its own, reading `databaseUrl` and
 * following the applier at `applierUrl`; the key (`testBlsKey(1)`), registry and genesis files
 * they read go in a temporary folder. Returns at once: each answers once it has started.
 */
export async function spawnApiProcesses(options: {
  readonly count: number
  readonly registry: ReplicaRegistry
  readonly databaseUrl: string
  readonly applierUrl: string
  readonly environment?: Record<string, string>
  readonly onLine?: (id: string, line: string) => void
}): Promise<{ readonly url: string; readonly process: ServiceProcess }[]> {
  const folder = temporaryFolder('api-processes-')
  const files = {
    key: join(folder, 'bls-key.json'),
    registry: join(folder, 'registry.json'),
    genesis: join(folder, 'genesis.json'),
  }
  const blsSecretKey = `0x${Buffer.from(testBlsKey(1)).toString('hex')}`
  writeFileSync(files.key, JSON.stringify({ blsSecretKey }), { mode: 0o600 })
  writeFileSync(files.registry, JSON.stringify(options.registry))
  writeFileSync(files.genesis, JSON.stringify(testGenesis))
  const started: { url: string; process: ServiceProcess }[] = []
  for (let n = 1; n <= options.count; n++) {
    const id = `api-${n}`
    const port = await freeLoopbackPort()
    const url = `http://127.0.0.1:${port}`
    const process = spawnService('server/replica/main.ts', {
      id,
      url,
      environment: {
        REPLICA_ID: 'replica-1',
        REPLICA_PORT: String(port),
        REPLICA_DATA_DIR: folder,
        REPLICA_KEY_FILE: files.key,
        REPLICA_REGISTRY_FILE: files.registry,
        REPLICA_GENESIS_FILE: files.genesis,
        REPLICA_DATABASE_URL: options.databaseUrl,
        REPLICA_APPLIER_URL: options.applierUrl,
        ...options.environment,
      },
      onLine: (line) => options.onLine?.(id, line),
    })
    started.push({ url, process })
  }
  return started
}

/** The SQLite connection of a replica state on SQLite (tests look inside the tables). */
export function sqliteOf(state: ReplicaState): Database.Database {
  if (!(state.storage instanceof SqliteStorage))
    throw new Error(`not SQLite: ${state.storage.location}`)
  return state.storage.store.sqlite
}

/** Polls `check` every 10 ms until it returns true, or throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Replicas `startReplica` started, each with its running apply loop. */
const startedReplicas: { replica: Replica; running: Promise<void> }[] = []

/** A started test replica; pair with `afterEach(stopStartedReplicas)`. */
export async function startReplica(
  options: Parameters<typeof createTestReplica>[0],
): Promise<Replica> {
  const replica = await createTestReplica(options)
  startedReplicas.push({ replica, running: replica.start() })
  return replica
}

/** Stops one replica `startReplica` started (a restart in the middle of a test). */
export async function stopReplica(replica: Replica): Promise<void> {
  const position = startedReplicas.findIndex((started) => started.replica === replica)
  const [started] = startedReplicas.splice(position, 1)
  servers.get(replica)?.close()
  servers.delete(replica)
  await replica.stop()
  await started?.running
}

/** Stops every replica `startReplica` started and waits for their apply loops to end. */
export async function stopStartedReplicas(): Promise<void> {
  for (const { replica, running } of startedReplicas.splice(0)) {
    servers.get(replica)?.close()
    servers.delete(replica)
    await replica.stop()
    await running
  }
}

/**
 * A payer for tests: `pay(sequencer, amount)` appends one batch in which `from` sends `to`
 * `amount` USDT, with `from`'s next nonce (1, 2, …).
 */
export function usdtPayments(from: TestAccount, to: TestAccount) {
  let nonce = 0
  return (sequencer: InMemorySequencer, amount: string): void => {
    nonce += 1
    const fields = { action: 'transfer', to: to.address, token: 'USDT', amount }
    sequencer.append(
      JSON.stringify([signIntent(from, testTokens, { ...fields, nonce: String(nonce) })]),
    )
  }
}

/** Appends one batch to `sequencer`: alice sends bob `amount` USDT with `nonce`. */
export function sendToBob(sequencer: InMemorySequencer, nonce: number, amount: string): void {
  const fields = { action: 'transfer', nonce: String(nonce), to: bob.address, token: 'USDT' }
  sequencer.append(JSON.stringify([signIntent(alice, testTokens, { ...fields, amount })]))
}
