import {
  createWriteStream,
  mkdirSync,
  readFileSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs'
import { join } from 'node:path'
import { testAccount, type TestAccount } from '../../shared/exchange/testing.ts'
import { createTokenRegistry, type TokenRegistry } from '../../shared/intents/index.ts'
import {
  prepareZellularNetwork,
  spawnZellularNode,
  waitUntilServing,
} from '../devnet/zellularNetwork.ts'
import { replicaKeyFileSchema } from '../replica/config.ts'
import {
  prepareReplicas,
  spawnReplica,
  waitForReplica,
  type PreparedReplicas,
} from '../replica/setup.ts'
import { ephemeralPortRange } from '../ephemeralPorts.ts'
import { startServiceGroup, type ServiceGroup, type ServiceProcess } from '../serviceProcesses.ts'
import {
  asPortError,
  chaosPorts,
  NODE_COUNT,
  REPLICA_COUNT,
  refuseEphemeralPorts,
  refuseTakenPorts,
} from './chaosPorts.ts'
import { ProxyMesh } from './proxy.ts'

/** What each account holds at genesis, in token units. */
export const GENESIS_PER_ACCOUNT: Readonly<Record<string, string>> = {
  USDT: '1000000',
  ETH: '1000',
  BTC: '100',
}

/** Options of `startChaosCluster`. */
export interface ChaosClusterOptions {
  /** Owned by the suite: keys, configs, node and replica data, process logs. */
  readonly dir: string
  /** Real ports: nodes at base+1…, replicas at base+101…, links from base+200. */
  readonly basePort: number
  readonly accounts: number
  readonly host?: string
  /**
   * Each process in a session of its own (`spawnService`'s `ownSession`): the launching shell's
   * SIGHUP and the terminal's Ctrl-C no longer reach them; they end with the harness, however
   * it ends (`spawnService`'s `endsWithThisProcess`). `npm run chaos` sets it; a test under
   * vitest keeps its processes in its group, where a Ctrl-C that ends the test worker ends them
   * too.
   */
  readonly ownSession?: boolean
  /**
   * Hears of each node or replica process that ended without the cluster ending it (the
   * nemesis's kills and restarts go through the cluster's groups, and `stop`): by itself, or by
   * a signal someone else sent.
   */
  readonly onUnexpectedExit?: (exit: UnexpectedExit) => void
}

/** A process of the cluster that ended without the cluster ending it. */
export interface UnexpectedExit {
  /** `node-1` … `replica-3`. */
  readonly process: string
  readonly pid: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** When it was seen to end (`Date.now()`). */
  readonly atWallMs: number
}

/**
 * 4 Zellular nodes and 3 replicas, each its own OS process, wired through a `ProxyMesh`: every
 * node's nodes file, every replica's nodes file and registry name peers by their link ports, so
 * any call between two processes can be cut, dropped or delayed on its own. Each process's output
 * goes to `dir/logs/<name>.log`.
 */
export interface ChaosCluster {
  readonly dir: string
  /** `restart` takes extra environment (`ZSEQUENCER_FAULTS`: a Byzantine node) too. */
  readonly nodes: ServiceGroup<Record<string, string>>
  /** `restart` takes extra environment (test faults) for the new process. */
  readonly replicas: ServiceGroup<Record<string, string>>
  readonly prepared: PreparedReplicas
  readonly mesh: ProxyMesh
  readonly nodeNames: readonly string[]
  readonly replicaNames: readonly string[]
  /** The workload's way to each replica (through the mesh, `client -> replica-n`). */
  readonly clientUrls: readonly string[]
  /** Each replica's own port, for the checker once everything is healed. */
  readonly directUrls: readonly string[]
  /** Each replica's BLS secret key, which the harness owns (the lying replica re-signs). */
  readonly replicaSecretKeys: readonly Uint8Array[]
  readonly accounts: readonly TestAccount[]
  /** The genesis issuer, who may mint. */
  readonly issuer: TestAccount
  readonly tokens: TokenRegistry
  stop(): Promise<void>
}

/**
 * The file whose presence fills the disk of node `name` (`server/zellular/diskFault.ts`): every
 * node of the suite is started watching for it, so the nemesis fills a running node's disk,
 * the sequencer's included.
 */
export function nodeDiskFullFile(dir: string, name: string): string {
  return join(dir, `${name}-disk-full`)
}

/** How long a process may take to serve after it starts (restarts included). */
const START_TIMEOUT_MS = 90_000

export async function startChaosCluster(options: ChaosClusterOptions): Promise<ChaosCluster> {
  const host = options.host ?? '127.0.0.1'
  const { dir, basePort } = options
  // Before anything starts: a port out of bounds or taken ends the run here, naming it.
  const ports = chaosPorts(basePort)
  refuseEphemeralPorts(ports, ephemeralPortRange())
  await refuseTakenPorts(host, ports)
  mkdirSync(join(dir, 'logs'), { recursive: true })
  const logs = new Map<string, WriteStream>()
  const logLine = (name: string, line: string) => {
    let stream = logs.get(name)
    if (stream === undefined) {
      stream = createWriteStream(join(dir, 'logs', `${name}.log`), { flags: 'a' })
      logs.set(name, stream)
    }
    stream.write(`${line}\n`)
  }
  const zellularOptions = {
    dir: join(dir, 'zellular'),
    host,
    basePort: basePort + 1,
    count: NODE_COUNT,
    apps: ['orderbook'],
  }
  const layout = await prepareZellularNetwork(zellularOptions)
  const nodeNames = layout.nodes.map((_, position) => `node-${position + 1}`)
  const accounts = Array.from({ length: options.accounts }, (_, i) => testAccount(50_000 + i))
  const prepared = prepareReplicas({
    dir: join(dir, 'replicas'),
    count: REPLICA_COUNT,
    basePort: basePort + 101,
    host,
    zellularNodesFile: layout.nodesFile,
    balances: accounts.flatMap((account) =>
      Object.entries(GENESIS_PER_ACCOUNT).map(([token, amount]) => ({
        address: account.address,
        token,
        amount,
      })),
    ),
  })
  const replicaNames = prepared.replicas.map((replica) => replica.id)

  const mesh = new ProxyMesh(host, basePort + 200)
  const nodesText = readFileSync(layout.nodesFile, 'utf8')
  const registryText = readFileSync(prepared.registryFile, 'utf8')
  // A nodes file for `from`: every node at its link from `from`, except `from` itself.
  const nodesFileFor = async (from: string) => {
    let text = nodesText
    for (const [position, node] of layout.nodes.entries()) {
      const to = nodeNames[position]!
      if (to === from) continue
      const link = await mesh.addTcp(from, to, node.port)
      text = text.replace(`"http://${host}:${node.port}"`, `"${link.url}"`)
    }
    const file = join(dir, 'zellular', `nodes-for-${from}.json`)
    writeFileSync(file, text)
    return file
  }
  const nodeFiles: string[] = []
  const replicaFiles: { nodesFile: string; registryFile: string }[] = []
  const clientUrls: string[] = []
  try {
    for (const name of nodeNames) nodeFiles.push(await nodesFileFor(name))
    for (const [position, from] of replicaNames.entries()) {
      const nodesFile = await nodesFileFor(from)
      let registry = registryText
      for (const [other, replica] of prepared.replicas.entries()) {
        if (other === position) continue
        const link = await mesh.addHttp(from, replica.id, replica.port)
        registry = registry.replace(`"${replica.url}"`, `"${link.url}"`)
      }
      const registryFile = join(dir, 'replicas', `registry-for-${from}.json`)
      writeFileSync(registryFile, registry)
      replicaFiles.push({ nodesFile, registryFile })
    }
    for (const replica of prepared.replicas) {
      clientUrls.push((await mesh.addHttp('client', replica.id, replica.port)).url)
    }
  } catch (error) {
    // A link's port taken since the check: no process runs yet, only the links listen.
    await mesh.close()
    throw asPortError(error, ports)
  }

  // Started like `startLocalNetwork` and `startReplicaCluster` do, with longer waits: the suite
  // shares two cores with whatever else runs.
  const spawnNode = (position: number, extra: Record<string, string> = {}) =>
    spawnZellularNode(layout, position, {
      host,
      environment: {
        ZSEQUENCER_NODES_FILE: nodeFiles[position]!,
        // The nemesis fills its disk while this file exists (`disk-full`), restarts or not.
        ZSEQUENCER_TEST_DISK_FULL_FILE: nodeDiskFullFile(dir, nodeNames[position]!),
        // Every peer and replica reaches a node through the mesh, from 127.0.0.1.
        ZSEQUENCER_CONNECTIONS_PER_CLIENT_MAX: '100000',
        ...extra,
      },
      onLine: (line) => logLine(nodeNames[position]!, line),
      ownSession: options.ownSession === true,
    })
  const spawnAt = (position: number, extra: Record<string, string> = {}) =>
    spawnReplica(prepared, position, {
      environment: {
        // Every request comes from 127.0.0.1: the per-IP limits are out of the way.
        REPLICA_SUBMIT_RATE_PER_SECOND: '100000',
        REPLICA_SUBMIT_BURST: '100000',
        REPLICA_SIGNED_READ_RATE_PER_SECOND: '100000',
        REPLICA_SIGNED_READ_BURST: '100000',
        // The checker reads every holder's signed balances at once: no replica-wide cap either.
        REPLICA_SIGNATURES_PER_SECOND: '100000',
        REPLICA_SIGNATURES_BURST: '100000',
        REPLICA_CONNECTIONS_PER_CLIENT_MAX: '100000',
        // A batch a node acknowledged and lost is sent again after 5 s, within a run's healing.
        REPLICA_REDELIVER_AFTER_MS: '5000',
        ZELLULAR_NODES_FILE: replicaFiles[position]!.nodesFile,
        REPLICA_REGISTRY_FILE: replicaFiles[position]!.registryFile,
        ...extra,
      },
      onLine: (line) => logLine(replicaNames[position]!, line),
      ownSession: options.ownSession === true,
    })
  const unexpectedExitOf =
    (names: readonly string[]) =>
    (
      position: number,
      running: ServiceProcess,
      code: number | null,
      signal: NodeJS.Signals | null,
    ) =>
      options.onUnexpectedExit?.({
        process: names[position]!,
        pid: running.child.pid ?? -1,
        code,
        signal,
        atWallMs: Date.now(),
      })
  const [nodesStart, replicasStart] = await Promise.allSettled([
    startServiceGroup<Record<string, string>>({
      count: layout.nodes.length,
      spawnAt: spawnNode,
      waitUntilReady: (_, running) =>
        waitUntilServing(running.url, START_TIMEOUT_MS, running.exited),
      onUnexpectedExit: unexpectedExitOf(nodeNames),
    }),
    startServiceGroup<Record<string, string>>({
      count: prepared.replicas.length,
      spawnAt,
      onUnexpectedExit: unexpectedExitOf(replicaNames),
      waitUntilReady(position, running) {
        const { id: replicaId, blsPublicKey } = prepared.registry.replicas[position]!
        return waitForReplica(running.url, START_TIMEOUT_MS, running.exited, {
          replicaId,
          blsPublicKey,
        })
      },
    }),
  ])
  if (nodesStart.status === 'rejected' || replicasStart.status === 'rejected') {
    if (replicasStart.status === 'fulfilled') await replicasStart.value.stop()
    if (nodesStart.status === 'fulfilled') await nodesStart.value.stop()
    await mesh.close()
    await Promise.all([...logs.values()].map((stream) => new Promise((done) => stream.end(done))))
    const failed = [nodesStart, replicasStart].find((result) => result.status === 'rejected')
    throw (failed as PromiseRejectedResult).reason
  }
  const nodes = nodesStart.value
  const replicas: ServiceGroup<Record<string, string>> = replicasStart.value
  const faucet = prepared.faucet
  return {
    dir,
    nodes,
    replicas,
    prepared,
    mesh,
    nodeNames,
    replicaNames,
    clientUrls,
    directUrls: prepared.replicas.map((replica) => replica.url),
    replicaSecretKeys: prepared.replicas.map((replica) => {
      const key = replicaKeyFileSchema.parse(JSON.parse(readFileSync(replica.keyFile, 'utf8')))
      return Uint8Array.from(Buffer.from(key.blsSecretKey.slice(2), 'hex'))
    }),
    accounts,
    issuer: {
      privateKey: Uint8Array.from(Buffer.from(faucet.privateKey.slice(2), 'hex')),
      address: faucet.address.toLowerCase() as `0x${string}`,
    },
    tokens: createTokenRegistry(prepared.registry.tokens),
    async stop() {
      // A paused process ignores SIGTERM until it runs again.
      for (const group of [replicas, nodes]) {
        for (const running of group.processes) running.child.kill('SIGCONT')
      }
      await replicas.stop()
      await nodes.stop()
      await mesh.close()
      await Promise.all([...logs.values()].map((stream) => new Promise((done) => stream.end(done))))
    },
  }
}
