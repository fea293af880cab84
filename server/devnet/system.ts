import type { ServerType } from '@hono/node-server'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { REPOSITORY_ROOT } from '../repositoryRoot.ts'
import {
  marketMakerBalances,
  prepareMarketMakerKeys,
  spawnMarketMaker,
} from '../marketMaker/setup.ts'
import { grantFromFaucet, type FaucetGrant } from '../replica/faucet.ts'
import {
  prepareReplicas,
  spawnReplica,
  startReplicaCluster,
  type PreparedReplicas,
  type ReplicaCluster,
} from '../replica/setup.ts'
import type { ServiceProcess } from '../serviceProcesses.ts'
import { startLocalNetwork, type LocalNetwork } from './localNetwork.ts'
import { prepareZellularNetwork } from './zellularNetwork.ts'
import { startWebServer } from './webServer.ts'

const WEB_DIST = join(REPOSITORY_ROOT, 'web/dist')

/** What the faucet gives each address, in token units: enough to trade both markets. */
const FAUCET_GRANT: Readonly<Record<string, string>> = {
  USDT: '10000',
  ETH: '10',
  BTC: '0.5',
}

export interface SystemOptions {
  /** Everything generated lives here (git-ignored): keys, configs, node and replica data. */
  readonly dataDir: string
  /** Delete `dataDir` first. */
  readonly fresh?: boolean
  readonly host?: string
  readonly zellularBasePort?: number
  readonly replicaBasePort?: number
  readonly webPort?: number
  /**
   * Run the demo market maker (`server/marketMaker/`), which quotes both sides of each market
   * and trades now and then. Off unless asked for: `npm start` asks, the end-to-end tests do
   * not, so their books hold only what the tests put there.
   */
  readonly marketMaker?: boolean | { readonly seed?: number; readonly intervalMs?: number }
  /** Every process's output line, prefixed with its name. */
  readonly onLine?: (name: string, line: string) => void
  /**
   * Keep every replica's state in PostgreSQL (`npm start -- --postgres[=URL]`): on the server at
   * `serverUrl`, or on a throwaway local one; and serve replica 1 as an applier on a private
   * port (its registry port + 100) with `apiProcesses` API processes on its registry port.
   */
  readonly postgres?: { readonly serverUrl?: string; readonly apiProcesses?: number }
  /**
   * Start the last replica from a wiped database by state sync (`npm start -- --sync-replica`):
   * it installs a peer's snapshot once a quorum root matches it, then follows Zellular.
   */
  readonly syncReplica?: boolean
  /** Extra environment of every Zellular node (over the local network's settings). */
  readonly zellularEnvironment?: Record<string, string>
  /** Extra environment of every replica. */
  readonly replicaEnvironment?: Record<string, string>
}

/**
 * The address replica `position` sends to the nodes from. The nodes share their intake per
 * client address (`ZSEQUENCER_CLIENT_SHARE_PERCENT`), and replicas are three clients, each
 * allowed its share, as on three machines: on Linux every 127.0.0.0/8 address is the loopback,
 * so each takes one of its own (127.0.0.11, .12, …). Elsewhere, or off loopback, the system
 * picks.
 */
function replicaSourceAddress(host: string, position: number): Record<string, string> {
  if (host !== '127.0.0.1' || process.platform !== 'linux') return {}
  return { ZELLULAR_SOURCE_ADDRESS: `127.0.0.${11 + position}` }
}

export interface RunningSystem {
  readonly zellular: LocalNetwork
  readonly replicas: ReplicaCluster
  /** The demo market maker's process, when it runs. */
  readonly marketMaker: ServiceProcess | undefined
  readonly webUrl: string
  readonly registryFile: string
  /** With `postgres`: where the databases are, and replica 1's API processes. */
  readonly postgres?: { readonly location: string; readonly apiProcesses: ServiceProcess }
  stop(): Promise<void>
}

/**
 * The whole product on loopback: 4 Zellular nodes, 3 replicas following them, the web server
 * (app, replica registry, faucet) and, if asked, the demo market maker. Used by `npm start` and
 * by the end-to-end tests.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const host = options.host ?? '127.0.0.1'
  if (options.fresh) rmSync(options.dataDir, { recursive: true, force: true })
  const zellularApp = 'orderbook'
  const zellularOptions = {
    dir: join(options.dataDir, 'zellular'),
    host,
    basePort: options.zellularBasePort ?? 6001,
    apps: [zellularApp],
  }
  // Files first, then every process at once: replicas wait for Zellular by themselves, and
  // starting them side by side is most of the start-up time saved.
  const layout = await prepareZellularNetwork(zellularOptions)
  const replicasDir = join(options.dataDir, 'replicas')
  mkdirSync(replicasDir, { recursive: true })
  // Funded at genesis whether it runs or not, so the genesis never depends on the flag.
  const marketMakerKeys = prepareMarketMakerKeys(replicasDir)
  const prepared = prepareReplicas({
    dir: replicasDir,
    host,
    basePort: options.replicaBasePort ?? 5001,
    zellularNodesFile: layout.nodesFile,
    zellularApp,
    balances: marketMakerBalances(marketMakerKeys.keys),
  })
  const synced = options.syncReplica === true ? prepared.replicas.length - 1 : undefined
  if (synced !== undefined) {
    if (options.postgres !== undefined) throw new Error('--sync-replica is for SQLite replicas')
    const { databaseFile } = prepared.replicas[synced]!
    for (const suffix of ['', '-wal', '-shm', '.pending.jsonl']) {
      rmSync(`${databaseFile}${suffix}`, { force: true })
    }
  }
  const syncing = (position: number): Record<string, string> =>
    position === synced ? { REPLICA_STATE_SYNC: 'peers' } : {}
  const ownAddress = (position: number) => replicaSourceAddress(host, position)
  const onPostgres =
    options.postgres === undefined
      ? undefined
      : await startOnPostgres(prepared, options.postgres, options.fresh === true, options.onLine)
  const [zellularStart, replicasStart] = await Promise.allSettled([
    startLocalNetwork({
      ...zellularOptions,
      ...(options.zellularEnvironment === undefined
        ? {}
        : { environment: options.zellularEnvironment }),
      onLine: (position, line) => options.onLine?.(`node-${position + 1}`, line),
    }),
    startReplicaCluster(prepared, {
      ...(options.replicaEnvironment === undefined
        ? {}
        : { environment: options.replicaEnvironment }),
      onLine: (position, line) => options.onLine?.(`replica-${position + 1}`, line),
      // Replica 1 answers once its applier and its API processes (forking, then waiting for the
      // applier's schema) are up: longer on a loaded machine.
      ...(onPostgres === undefined
        ? { environmentOf: (position) => ({ ...ownAddress(position), ...syncing(position) }) }
        : {
            environmentOf: (position) => ({
              ...ownAddress(position),
              ...onPostgres.environmentOf(position),
            }),
            readyTimeoutMs: 90_000,
          }),
    }),
  ])
  if (zellularStart.status === 'rejected' || replicasStart.status === 'rejected') {
    if (replicasStart.status === 'fulfilled') await replicasStart.value.stop()
    if (zellularStart.status === 'fulfilled') await zellularStart.value.stop()
    await onPostgres?.stopApiProcesses()
    onPostgres?.stopDatabases()
    const failed = [zellularStart, replicasStart].find((result) => result.status === 'rejected')
    throw (failed as PromiseRejectedResult).reason
  }
  const zellular = zellularStart.value
  const replicas: ReplicaCluster = replicasStart.value
  let web: ServerType | undefined
  try {
    const cluster = replicas
    const webPort = options.webPort ?? 8000
    web = await startWebServer({
      distDir: WEB_DIST,
      registryFile: prepared.registryFile,
      host,
      port: webPort,
      faucet: (address) => faucet(cluster, address),
    })
    const server = web
    const marketMakerSettings = options.marketMaker === true ? {} : options.marketMaker
    const marketMaker =
      marketMakerSettings === undefined || marketMakerSettings === false
        ? undefined
        : spawnMarketMaker({
            registryFile: prepared.registryFile,
            keyFile: marketMakerKeys.file,
            ...marketMakerSettings,
            onLine: (line) => options.onLine?.('maker', line),
          })
    return {
      zellular,
      replicas: cluster,
      marketMaker,
      webUrl: `http://${host}:${webPort}`,
      registryFile: prepared.registryFile,
      ...(onPostgres === undefined
        ? {}
        : {
            postgres: {
              location: onPostgres.location,
              apiProcesses: onPostgres.apiProcesses,
            },
          }),
      async stop() {
        // First, while the replicas still take its cancels: it withdraws its quotes on SIGTERM.
        if (marketMaker !== undefined && marketMaker.child.exitCode === null) {
          marketMaker.child.kill('SIGTERM')
          await marketMaker.exited
        }
        await new Promise<void>((done) => server.close(() => done()))
        await onPostgres?.stopApiProcesses()
        await cluster.stop()
        onPostgres?.stopDatabases()
        await zellular.stop()
      },
    }
  } catch (error) {
    web?.close()
    await onPostgres?.stopApiProcesses()
    await replicas.stop()
    onPostgres?.stopDatabases()
    await zellular.stop()
    throw error
  }
}

/**
 * Every replica on its own PostgreSQL database, and replica 1 split: its applier moves to its
 * registry port + 100 (private) and `apiProcesses` API processes (one `main.ts` forking them,
 * node:cluster) take its registry port, so every client reaches them and its readiness check
 * (`/status`, forwarded) passes once both are up. The applier's submit limit is lifted: every
 * submission reaches it from its API processes' address, after their own per-client limit.
 */
async function startOnPostgres(
  prepared: PreparedReplicas,
  settings: NonNullable<SystemOptions['postgres']>,
  fresh: boolean,
  onLine: SystemOptions['onLine'],
) {
  // Loaded only here: plain `npm start` never loads the PostgreSQL client.
  const { prepareReplicaDatabases } = await import('./replicaDatabases.ts')
  const databases = await prepareReplicaDatabases({
    count: prepared.replicas.length,
    serverUrl: settings.serverUrl,
    fresh,
  })
  const first = prepared.replicas[0]!
  const applierPort = first.port + 100
  const environmentOf = (position: number): Record<string, string> => ({
    REPLICA_DATABASE_URL: databases.urls[position]!,
    ...(position === 0
      ? {
          REPLICA_PORT: String(applierPort),
          // Its clients are its API processes, which limit each of theirs.
          REPLICA_RATE_LIMITS: 'off',
        }
      : {}),
  })
  const apiProcesses = spawnReplica(prepared, 0, {
    environment: {
      REPLICA_DATABASE_URL: databases.urls[0]!,
      REPLICA_APPLIER_URL: `http://${first.host}:${applierPort}`,
      REPLICA_API_PROCESSES: String(settings.apiProcesses ?? 2),
    },
    onLine: (line) => onLine?.('api-1', line),
  })
  return {
    environmentOf,
    apiProcesses,
    location: databases.location,
    async stopApiProcesses() {
      if (apiProcesses.child.exitCode === null) {
        apiProcesses.child.kill('SIGTERM')
        await apiProcesses.exited
      }
    },
    /** After the replicas: a server stopped under a running applier would fail its commit. */
    stopDatabases: () => databases.stop(),
  }
}

/** Mints the faucet grant, each token through the first replica that takes it. */
function faucet(cluster: ReplicaCluster, address: string): Promise<FaucetGrant> {
  const { prepared } = cluster
  return grantFromFaucet({
    issuerKey: prepared.faucet.privateKey,
    address,
    replicaUrls: cluster.urls(),
    tokens: FAUCET_GRANT,
    tokenInfo: prepared.registry.tokens,
    app: prepared.registry.app,
    network: prepared.registry.network,
  })
}

/**
 * Builds the web app unless `web/dist` is newer than every source file; resolves once built. A
 * child process, so the caller can start the system meanwhile: their start-up waits (nodes
 * syncing, replicas catching up) leave a core to the build.
 */
export async function buildWebIfStale(log: (line: string) => void = console.log): Promise<void> {
  const index = join(WEB_DIST, 'index.html')
  const built = existsSync(index) ? statSync(index).mtimeMs : 0
  const sources = [join(REPOSITORY_ROOT, 'web'), join(REPOSITORY_ROOT, 'shared')]
  const newest = Math.max(
    ...sources.map(newestMtime),
    statSync(join(REPOSITORY_ROOT, 'vite.config.ts')).mtimeMs,
  )
  if (built > newest) return
  log('building the web app (vite build)…')
  const build = spawn(
    process.execPath,
    [join(REPOSITORY_ROOT, 'node_modules/vite/bin/vite.js'), 'build'],
    { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  )
  // `once` rejects on the child's 'error' (node missing, say) as well.
  const [code, signal] = (await once(build, 'exit')) as [number | null, string | null]
  if (code !== 0) throw new Error(`vite build ended with ${signal ?? code}`)
}

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}
