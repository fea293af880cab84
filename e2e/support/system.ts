import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { SystemControl } from './control.ts'

/** The running system as the e2e setup needs it. */
export interface E2eSystem extends SystemControl {
  readonly webUrl: string
  stop(): Promise<void>
}

export interface E2eSystemOptions {
  readonly webPort: number
  readonly replicaBasePort: number
  readonly zellularBasePort: number
  readonly onLine?: (source: string, line: string) => void
}

const repository = resolve(import.meta.dirname, '../..')

/**
 * Starts a fresh system in a temporary folder: `startSystem` of `server/devnet/system.ts` (the
 * launcher's own composition) when it exists, otherwise the same pieces composed here
 * (4 Zellular nodes, 3 replica processes, the web server with registry and faucet).
 */
export async function startE2eSystem(options: E2eSystemOptions): Promise<E2eSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zellular-e2e-'))
  const cleanUp = () => rmSync(dataDir, { recursive: true, force: true })
  try {
    const system = existsSync(join(repository, 'server/devnet/system.ts'))
      ? await startWithLauncher(options, dataDir)
      : await startComposed(options, dataDir)
    return {
      ...system,
      async stop() {
        await system.stop()
        cleanUp()
      },
    }
  } catch (error) {
    cleanUp()
    throw error
  }
}

async function startWithLauncher(options: E2eSystemOptions, dataDir: string): Promise<E2eSystem> {
  const path = join(repository, 'server/devnet/system.ts')
  const { startSystem } = (await import(path)) as { startSystem: (options: unknown) => Promise<LauncherSystem> }
  const system = await startSystem({
    dataDir,
    fresh: true,
    webPort: options.webPort,
    replicaBasePort: options.replicaBasePort,
    zellularBasePort: options.zellularBasePort,
    onLine: options.onLine,
  })
  return {
    webUrl: system.webUrl,
    killReplica: (id) => system.killReplica(id),
    killNode: (id) => system.killNode(id),
    stop: () => system.stop(),
  }
}

/** What `server/devnet/system.ts` is expected to return (see the launcher). */
interface LauncherSystem {
  readonly webUrl: string
  killReplica(id: string): Promise<void>
  killNode(id: string): Promise<void>
  stop(): Promise<void>
}

async function startComposed(options: E2eSystemOptions, dataDir: string): Promise<E2eSystem> {
  const { startLocalNetwork } = await import('../../server/devnet/localNetwork.ts')
  const { startWebServer } = await import('../../server/devnet/webServer.ts')
  const { prepareReplicas, startReplicaCluster } = await import('../../server/replica/setup.ts')
  const { mintFromFaucet } = await import('../../server/replica/faucet.ts')
  const log = options.onLine ?? (() => {})
  const zellular = await startLocalNetwork({
    dir: join(dataDir, 'zellular'),
    basePort: options.zellularBasePort,
    apps: ['orderbook'],
    onLine: (position, line) => log(`node-${position + 1}`, line),
  })
  let replicas: Awaited<ReturnType<typeof startReplicaCluster>> | undefined
  let web: Awaited<ReturnType<typeof startWebServer>> | undefined
  try {
    const prepared = prepareReplicas({
      dir: join(dataDir, 'replicas'),
      basePort: options.replicaBasePort,
      zellularNodesFile: zellular.layout.nodesFile,
    })
    replicas = await startReplicaCluster(prepared, {
      onLine: (position, line) => log(`replica-${position + 1}`, line),
    })
    const cluster = replicas
    const { registry } = prepared
    web = await startWebServer({
      distDir: join(repository, 'web/dist'),
      registryFile: prepared.registryFile,
      host: '127.0.0.1',
      port: options.webPort,
      faucet: async (address) => {
        // Any live replica takes the mint.
        let lastError: unknown
        for (const replica of registry.replicas) {
          try {
            return await mintFromFaucet({
              issuerKey: prepared.faucet.privateKey,
              address,
              replicaUrl: replica.url,
              tokens: { USDT: '10000', ETH: '5' },
              tokenInfo: registry.tokens,
              app: registry.app,
              network: registry.network,
            })
          } catch (error) {
            lastError = error
          }
        }
        throw lastError
      },
    })
    const server = web
    return {
      webUrl: `http://127.0.0.1:${options.webPort}`,
      async killReplica(id) {
        const position = prepared.replicas.findIndex((replica) => replica.id === id)
        if (position < 0) throw new Error(`no replica ${id}`)
        await cluster.kill(position)
      },
      async killNode(id) {
        const position = zellular.layout.nodes.findIndex((node) => node.id === id)
        if (position < 0) throw new Error(`no Zellular node ${id}`)
        await zellular.kill(position)
      },
      async stop() {
        await new Promise<void>((done) => server.close(() => done()))
        await cluster.stop()
        await zellular.stop()
      },
    }
  } catch (error) {
    web?.close()
    await replicas?.stop()
    await zellular.stop()
    throw error
  }
}
