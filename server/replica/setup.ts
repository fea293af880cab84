import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import type { MarketInfo, ReplicaRegistry } from '../../shared/api/index.ts'
import { blsIdentityOf, defaultQuorum } from '../../shared/attest/index.ts'
import { devnetMarkets, devnetTokens } from '../../shared/exchange/index.ts'
import type { LedgerGenesis } from '../../shared/ledger/index.ts'
import {
  spawnService,
  startServiceGroup,
  type ServiceGroup,
  type ServiceProcess,
} from '../serviceProcesses.ts'
import { httpCall } from '../http/httpCall.ts'
import { replicaKeyFileSchema } from './config.ts'

/** Options of `prepareReplicas`. */
export interface PrepareReplicasOptions {
  /** Folder for the registry, genesis, faucet key and each replica's data (git-ignored). */
  readonly dir: string
  readonly count?: number
  /** Port of the first replica; the others follow (default 5001). */
  readonly basePort?: number
  readonly host?: string
  /** Intent app domain (default `zellular-orderbook`). */
  readonly app?: string
  /** Network name (default `devnet`). */
  readonly network?: string
  /** The Zellular `nodes.json` the replicas read. */
  readonly zellularNodesFile: string
  /** Zellular app name of the batches (default `orderbook`). */
  readonly zellularApp?: string
  /** Agreeing signatures an aggregate needs (default ⌈2n/3⌉). */
  readonly quorum?: number
  readonly tokens?: readonly { symbol: string; decimals: number }[]
  readonly markets?: readonly MarketInfo[]
  /** Initial available balances, token units (default none: the faucet mints). */
  readonly balances?: LedgerGenesis['balances']
}

/** One prepared replica. */
interface PreparedReplica {
  readonly id: string
  readonly url: string
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly keyFile: string
  readonly databaseFile: string
}

/** Paths and facts `prepareReplicas` produced. */
export interface PreparedReplicas {
  readonly dir: string
  readonly registryFile: string
  readonly genesisFile: string
  /** `{ privateKey, address }` of the issuer, mode 0600. */
  readonly faucetKeyFile: string
  readonly faucet: { readonly privateKey: `0x${string}`; readonly address: `0x${string}` }
  readonly registry: ReplicaRegistry
  readonly genesis: LedgerGenesis
  readonly zellularNodesFile: string
  readonly zellularApp: string
  readonly replicas: readonly PreparedReplica[]
}

/**
 * Prepares `count` replicas in `dir`: each one's BLS key in `replica-N/bls-key.json` (made once,
 * mode 0600, reused afterwards), the faucet key (the genesis issuer, also made once), the
 * genesis file and the replica registry `{ app, network, quorum, replicas, tokens, markets }`,
 * which is the clients' trust root. Re-running with the same `dir` keeps every key, so data made
 * before stays valid.
 *
 * @example
 * const prepared = prepareReplicas({ dir: '.devnet/replicas', zellularNodesFile })
 * const cluster = await startReplicaCluster(prepared)
 */
export function prepareReplicas(options: PrepareReplicasOptions): PreparedReplicas {
  const { dir, count = 3, basePort = 5001, host = '127.0.0.1' } = options
  mkdirSync(dir, { recursive: true })
  const faucetKeyFile = join(dir, 'faucet-key.json')
  if (!existsSync(faucetKeyFile)) {
    const privateKey = generatePrivateKey()
    const address = privateKeyToAddress(privateKey).toLowerCase()
    writeFileSync(faucetKeyFile, JSON.stringify({ privateKey, address }, null, 2), { mode: 0o600 })
  }
  const faucet = JSON.parse(readFileSync(faucetKeyFile, 'utf8')) as PreparedReplicas['faucet']
  const replicas = Array.from({ length: count }, (_, position) => {
    const id = `replica-${position + 1}`
    const dataDir = join(dir, id)
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const keyFile = join(dataDir, 'bls-key.json')
    if (!existsSync(keyFile)) {
      const blsSecretKey = bytesToHex(newBlsSecretKey())
      writeFileSync(keyFile, JSON.stringify({ blsSecretKey }), { mode: 0o600 })
    }
    chmodSync(keyFile, 0o600)
    const port = basePort + position
    const url = `http://${host}:${port}`
    return { id, url, host, port, dataDir, keyFile, databaseFile: join(dataDir, 'replica.db') }
  })
  const tokens = [...(options.tokens ?? devnetTokens)]
  const genesis: LedgerGenesis = {
    issuer: faucet.address,
    tokens,
    balances: [...(options.balances ?? [])],
  }
  const registry: ReplicaRegistry = {
    app: options.app ?? 'zellular-orderbook',
    network: options.network ?? 'devnet',
    quorum: options.quorum ?? defaultQuorum(count),
    replicas: replicas.map(({ id, url, keyFile }) => ({
      id,
      url,
      ...blsIdentityOf(readBlsKey(keyFile)),
    })),
    tokens,
    markets: [...(options.markets ?? devnetMarkets)],
  }
  const registryFile = join(dir, 'registry.json')
  const genesisFile = join(dir, 'genesis.json')
  writeFileSync(registryFile, JSON.stringify(registry, null, 2))
  writeFileSync(genesisFile, JSON.stringify(genesis, null, 2))
  return {
    dir,
    registryFile,
    genesisFile,
    faucetKeyFile,
    faucet,
    registry,
    genesis,
    zellularNodesFile: options.zellularNodesFile,
    zellularApp: options.zellularApp ?? 'orderbook',
    replicas,
  }
}

/** A BLS secret key: 32 random bytes below the BLS12-381 group order (rejection sampling). */
function newBlsSecretKey(): Uint8Array {
  const order = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n
  for (;;) {
    const bytes = randomBytes(32)
    const value = BigInt(`0x${bytes.toString('hex')}`)
    if (value > 0n && value < order) return Uint8Array.from(bytes)
  }
}

function readBlsKey(file: string): Uint8Array {
  const { blsSecretKey } = replicaKeyFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  return Uint8Array.from(Buffer.from(blsSecretKey.slice(2), 'hex'))
}

/** The environment `spawnReplica` gives a replica process (exported for the launcher's logs). */
function replicaEnvironment(prepared: PreparedReplicas, position: number): Record<string, string> {
  const replica = prepared.replicas[position]
  if (replica === undefined) throw new RangeError(`no replica ${position}`)
  return {
    REPLICA_ID: replica.id,
    REPLICA_HOST: replica.host,
    REPLICA_PORT: String(replica.port),
    REPLICA_DATA_DIR: replica.dataDir,
    REPLICA_REGISTRY_FILE: prepared.registryFile,
    REPLICA_GENESIS_FILE: prepared.genesisFile,
    ZELLULAR_NODES_FILE: prepared.zellularNodesFile,
    ZELLULAR_APP: prepared.zellularApp,
  }
}

/**
 * Starts replica `position` (the compiled `server/replica/main.ts`, see `serviceProcesses.ts`) with its environment
 * (plus `environment`, which wins), forwarding its output lines to `onLine`.
 */
export function spawnReplica(
  prepared: PreparedReplicas,
  position: number,
  options: {
    environment?: Record<string, string>
    onLine?: (line: string) => void
    /** Extra Node.js options, e.g. `['--cpu-prof', '--cpu-prof-dir=/tmp/profiles']`. */
    nodeOptions?: readonly string[]
    /** A session of its own (`spawnService`'s `ownSession`). */
    ownSession?: boolean
  } = {},
): ServiceProcess {
  const replica = prepared.replicas[position]
  if (replica === undefined) throw new RangeError(`no replica ${position}`)
  return spawnService('server/replica/main.ts', {
    id: replica.id,
    url: replica.url,
    environment: { ...replicaEnvironment(prepared, position), ...options.environment },
    onLine: options.onLine,
    nodeOptions: options.nodeOptions,
    ownSession: options.ownSession,
  })
}

/**
 * Polls `GET /status` until the replica answers 200 (and, with `identity`, answers as that
 * replica with that key, so a stale process left on the port is never taken for it), or throws
 * after `timeoutMs` or once `exited` resolves.
 */
export async function waitForReplica(
  url: string,
  timeoutMs = 30_000,
  exited?: Promise<unknown>,
  identity?: { readonly replicaId: string; readonly blsPublicKey: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let dead = false
  const markDead = () => (dead = true)
  exited?.then(markDead, markDead)
  for (;;) {
    try {
      // node:http, not fetch: undici's first request alone costs the launcher ~0.1 s of CPU.
      const answer = await httpCall({
        method: 'GET',
        url: `${url}/status`,
        timeoutMs: 1_000,
        maxBytes: 1 << 20,
      })
      const status = JSON.parse(answer.text) as { replicaId?: string; blsPublicKey?: string }
      const matches =
        identity === undefined ||
        (status.replicaId === identity.replicaId && status.blsPublicKey === identity.blsPublicKey)
      if (answer.status === 200 && matches && !dead) return
    } catch {
      // not up yet
    }
    if (dead) throw new Error(`replica ${url} exited before serving`)
    if (Date.now() > deadline)
      throw new Error(`replica ${url} did not start within ${timeoutMs} ms`)
    await new Promise((done) => setTimeout(done, 100))
  }
}

/** A set of replica processes; `restart` takes extra environment for the new process. */
export interface ReplicaCluster extends ServiceGroup<Record<string, string>> {
  readonly prepared: PreparedReplicas
}

/**
 * Starts every prepared replica and waits until each answers `/status`.
 * @example
 * const cluster = await startReplicaCluster(prepared, { onLine: (position, line) => print(line) })
 */
export async function startReplicaCluster(
  prepared: PreparedReplicas,
  options: {
    environment?: Record<string, string>
    environmentOf?: (position: number) => Record<string, string>
    onLine?: (position: number, line: string) => void
    nodeOptionsOf?: (position: number) => readonly string[]
    /** How long each replica may take to answer `/status` (default 30 s; a loaded machine). */
    readyTimeoutMs?: number
  } = {},
): Promise<ReplicaCluster> {
  const spawnAt = (position: number, extra: Record<string, string> = {}) =>
    spawnReplica(prepared, position, {
      environment: { ...options.environment, ...options.environmentOf?.(position), ...extra },
      onLine: (line) => options.onLine?.(position, line),
      nodeOptions: options.nodeOptionsOf?.(position) ?? [],
    })
  const group = await startServiceGroup<Record<string, string>>({
    count: prepared.replicas.length,
    spawnAt,
    waitUntilReady(position, running) {
      const { id: replicaId, blsPublicKey } = prepared.registry.replicas[position]!
      const timeoutMs = options.readyTimeoutMs ?? 30_000
      return waitForReplica(running.url, timeoutMs, running.exited, { replicaId, blsPublicKey })
    },
  })
  return Object.assign(group, { prepared })
}
