import { readFileSync } from 'node:fs'
import { bls, initZellular, Network, parseNodesFile } from '../../shared/zellular/index.ts'
import { limitConnectionsPerClient } from '../http/connectionsPerClient.ts'
import { AppLogs } from './appLogs.ts'
import { startDiskFullFault } from './diskFault.ts'
import { appsFileSchema, nodeKeySchema, readSource, type NodeConfig } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { ZellularNode } from './node.ts'
import type { NodeContext } from './nodeContext.ts'
import type { NodeHooks } from './nodeHooks.ts'
import { listenHttp } from '../listenHttp.ts'
import { createNodeApp } from './routes.ts'

/** A test adversary: the hooks a node consults, and what it does on its own once per loop. */
export interface Adversary {
  /** What it does, for the log, e.g. `lie-hash`. */
  readonly name: string
  readonly hooks: NodeHooks
  act(context: NodeContext): Promise<void>
}

export interface StartNodeOptions {
  readonly log?: Logger
  /** Test-only misbehaviour, installed by `main.ts` alone; an honest node without it. */
  readonly adversary?: Adversary
  /** Test-only: the batch store is full while this file exists (`diskFault.ts`, `main.ts`). */
  readonly diskFullFile?: string
}

export interface RunningNode {
  readonly node: ZellularNode
  readonly url: string
  stop(): Promise<void>
}

/**
 * Starts one Zellular node: loads keys, nodes and apps, adopts the network's current sequencer,
 * serves the HTTP API and runs the posting loop, the sequencer loop and the apps refresh.
 */
export async function startNode(
  config: NodeConfig,
  options: StartNodeOptions = {},
): Promise<RunningNode> {
  const { log, adversary, diskFullFile } = options
  await initZellular()
  const key = nodeKeySchema.parse(JSON.parse(readFileSync(config.keyFile, 'utf8')))
  const logger = log ?? createLogger(key.id.slice(0, 8))
  const network = new Network(
    parseNodesFile(await readSource(config.nodesFile)),
    config.thresholdPercent,
  )
  const apps = Object.keys(appsFileSchema.parse(JSON.parse(await readSource(config.appsFile))))
  const secretKey = bls.secretKeyFromBigInt(BigInt('0x' + key.blsSecretKey.replace(/^0x/, '')))
  const db = AppLogs.openDatabase(config.dataDir)
  const diskFault =
    diskFullFile === undefined ? undefined : startDiskFullFault(db, diskFullFile, logger)
  const node = new ZellularNode(config, network, secretKey, key.id, apps, logger, {
    logs: new AppLogs(db),
    ...(adversary && { hooks: adversary.hooks, misbehave: (context) => adversary.act(context) }),
  })
  if (adversary !== undefined) logger.warn(`test faults enabled: ${adversary.name}`)
  await node.switcher.join()
  logParameters(node)

  const server = await listenHttp(createNodeApp(node).fetch, config.host, config.port)
  limitConnectionsPerClient(server, config.connectionsPerClientMax)
  node.start()
  const url = `http://${config.host}:${config.port}`
  const { role } = node
  logger.info(
    `listening on ${url}; sequencer ${role.sequencerId}${role.isSequencer ? ' (me)' : ''}`,
  )
  return {
    node,
    url,
    async stop() {
      await node.stop()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      diskFault?.stop()
      node.close()
    },
  }
}

function logParameters(node: ZellularNode): void {
  const { config, network, log } = node.context
  log.info(
    `parameters: version=${config.version} threshold=${config.thresholdPercent}% ` +
      `syncIntervalMs=${config.syncIntervalMs} nodeLoopIntervalMs=${config.nodeLoopIntervalMs} ` +
      `aggregationTimeoutMs=${config.aggregationTimeoutMs} pipelineLocks=${config.pipelineLocks} ` +
      `finalizationTimeBorderMs=${config.finalizationTimeBorderMs} ` +
      `bandwidthKbPerWindow=${config.bandwidthKbPerWindow} ` +
      `maxBatchSizeKb=${config.maxBatchSizeKb} ` +
      `apps=${node.logs.apps().join(',')} nodes=${network.operators.size} ` +
      `dataDir=${config.dataDir}`,
  )
}
