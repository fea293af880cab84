import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { privateKeyToAddress } from 'viem/accounts'
import { bls, formatNodesFile, initZellular, type NodesFile } from '../../shared/zellular/index.ts'
import { httpCall } from '../http/httpCall.ts'
import { spawnService, type ServiceProcess } from '../serviceProcesses.ts'

/** Where one local Zellular network keeps its files, and how its nodes are addressed. */
export interface ZellularLayout {
  readonly dir: string
  readonly nodesFile: string
  readonly appsFile: string
  readonly nodes: readonly { id: string; port: number; keyFile: string; dataDir: string }[]
}

export interface LocalNetworkOptions {
  /** Folder for keys, nodes.json, apps.json and node data (git-ignored). */
  readonly dir: string
  readonly count?: number
  readonly host?: string
  readonly basePort?: number
  readonly apps?: readonly string[]
}

/** The local network's tunables: zsequencer's e2e values, with 50 ms loops. */
const LOCAL_NODE_ENVIRONMENT: Readonly<Record<string, string>> = {
  ZSEQUENCER_THRESHOLD_PERCENT: '67',
  ZSEQUENCER_SYNC_INTERVAL: '0.05',
  ZSEQUENCER_NODE_LOOP_INTERVAL: '0.05',
  ZSEQUENCER_FINALIZATION_TIME_BORDER: '10',
  ZSEQUENCER_AGGREGATION_TIMEOUT: '2',
  ZSEQUENCER_BANDWIDTH_KB_PER_WINDOW: '100000',
  ZSEQUENCER_MAX_BATCH_SIZE_KB: '5',
  ZSEQUENCER_FETCH_APPS_AND_NODES_INTERVAL: '5',
  ZSEQUENCER_SEQUENCER_SETUP_DEADLINE_TIME_IN_SECONDS: '1',
  ZSEQUENCER_PIPELINE_LOCKS: 'true',
  // Every node here is ours: the MAC authenticates requests, zsequencer's BLS header is not sent.
  ZSEQUENCER_SIGNATURE_HEADER: 'false',
}

/**
 * Generates keys once (BLS secrets below the group order, ECDSA keys for the node ids) and
 * writes zsequencer-format `nodes.json` and `apps.json`. Re-running reuses the existing keys.
 * Ports follow the sorted ids, so the lowest id, the initial sequencer, gets `basePort`.
 */
export async function prepareZellularNetwork(
  options: LocalNetworkOptions,
): Promise<ZellularLayout> {
  await initZellular()
  const { dir, count = 4, host = '127.0.0.1', basePort = 6001, apps = ['orderbook'] } = options
  mkdirSync(dir, { recursive: true })
  const keysFile = join(dir, 'keys.json')
  if (!existsSync(keysFile)) {
    const keys = Array.from({ length: count }, () => ({
      ecdsaSecretKey: `0x${randomBytes(32).toString('hex')}`,
      blsSecretKey: (BigInt(`0x${randomBytes(32).toString('hex')}`) % (bls.CURVE_ORDER - 1n)) + 1n,
    }))
    writeFileSync(
      keysFile,
      JSON.stringify(keys, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v)),
      { mode: 0o600 },
    )
  }
  const secrets = (
    JSON.parse(readFileSync(keysFile, 'utf8')) as { ecdsaSecretKey: string; blsSecretKey: string }[]
  )
    .map((key) => ({
      id: privateKeyToAddress(key.ecdsaSecretKey as `0x${string}`).toLowerCase(),
      blsSecretKey: key.blsSecretKey,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1))

  const nodes: NodesFile = {}
  const layoutNodes = secrets.map((secret, position) => {
    const port = basePort + position
    const nodeDir = join(dir, `node-${position + 1}`)
    mkdirSync(nodeDir, { recursive: true })
    const keyFile = join(nodeDir, 'key.json')
    writeFileSync(keyFile, JSON.stringify({ id: secret.id, blsSecretKey: secret.blsSecretKey }), {
      mode: 0o600,
    })
    const publicKey = bls.g2ToNodesFile(
      bls.publicKeyOf(bls.secretKeyFromBigInt(BigInt(`0x${secret.blsSecretKey}`))),
    )
    nodes[secret.id] = {
      id: secret.id,
      address: secret.id,
      socket: `http://${host}:${port}`,
      stake: 10,
      pubkeyG2_X: [...publicKey.pubkeyG2_X],
      pubkeyG2_Y: [...publicKey.pubkeyG2_Y],
    }
    return { id: secret.id, port, keyFile, dataDir: join(nodeDir, 'data') }
  })
  const nodesFile = join(dir, 'nodes.json')
  const appsFile = join(dir, 'apps.json')
  writeFileSync(nodesFile, formatNodesFile(nodes))
  const appsObject = Object.fromEntries(apps.map((app) => [app, { url: '', public_keys: [] }]))
  writeFileSync(appsFile, JSON.stringify(appsObject, null, 2))
  return { dir, nodesFile, appsFile, nodes: layoutNodes }
}

export function spawnZellularNode(
  layout: ZellularLayout,
  position: number,
  options: {
    host?: string
    environment?: Record<string, string>
    onLine?: (line: string) => void
    /** Extra `node` flags, e.g. `--cpu-prof` for profiling. */
    nodeOptions?: readonly string[]
    /** A session of its own (`spawnService`'s `ownSession`). */
    ownSession?: boolean
  } = {},
): ServiceProcess {
  const node = layout.nodes[position]
  if (!node) throw new RangeError(`no node ${position}`)
  const host = options.host ?? '127.0.0.1'
  return spawnService('server/zellular/main.ts', {
    id: node.id,
    url: `http://${host}:${node.port}`,
    environment: {
      ...LOCAL_NODE_ENVIRONMENT,
      ZSEQUENCER_NODES_FILE: layout.nodesFile,
      ZSEQUENCER_APPS_FILE: layout.appsFile,
      ZSEQUENCER_KEY_FILE: node.keyFile,
      ZSEQUENCER_SNAPSHOT_PATH: node.dataDir,
      ZSEQUENCER_HOST: host,
      ZSEQUENCER_PORT: String(node.port),
      ...options.environment,
    },
    onLine: options.onLine,
    nodeOptions: options.nodeOptions,
    ownSession: options.ownSession,
  })
}

/**
 * Polls `GET /node/state` until the node answers. A minute by default: a node starts in about a
 * second, but on a machine loaded many times over its cores (tests of several suites side by
 * side) loading the bundle alone has taken over 20 s. Gives up once `exited` (the node's
 * process's end, with its exit code) resolves: a node that could not listen is gone at once,
 * while whatever holds its port may keep answering.
 */
export async function waitUntilServing(
  url: string,
  timeoutMs = 60_000,
  exited?: Promise<number | null>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exit: string | undefined
  exited?.then(
    (code) => (exit = code === null ? 'a signal' : `code ${code}`),
    () => (exit = 'unknown'),
  )
  for (;;) {
    if (exit !== undefined) throw new Error(`${url} exited before serving (${exit})`)
    try {
      // node:http, not fetch: undici's first request alone costs the launcher ~0.1 s of CPU.
      const answer = await httpCall({
        method: 'GET',
        url: `${url}/node/state`,
        timeoutMs: 1_000,
        maxBytes: 1 << 20,
      })
      if (answer.status === 200) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not start within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
