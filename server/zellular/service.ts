import { serve, type ServerType } from '@hono/node-server'
import { readFileSync } from 'node:fs'
import { bls, initZellular, Network, parseNodesFile } from '../../shared/zellular/index.ts'
import { postBatches } from './batchPoster.ts'
import { disputeIfNeeded } from './disputer.ts'
import { appsFileSchema, nodeKeySchema, readSource, type NodeConfig } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { ZellularNode } from './node.ts'
import type { NodeHooks } from './nodeHooks.ts'
import { createNodeApp } from './routes.ts'
import { discoverSequencer } from './sequencerDiscovery.ts'
import { requeueUnlocked } from './sequencerSwitch.ts'
import { synchronize } from './synchronizer.ts'

/** A test adversary: the hooks a node consults, and what it does on its own once per loop. */
export interface Adversary {
  /** What it does, for the log, e.g. `lie-hash`. */
  readonly name: string
  readonly hooks: NodeHooks
  act(node: ZellularNode): Promise<void>
}

export interface StartNodeOptions {
  readonly log?: Logger
  /** Test-only misbehaviour, installed by `main.ts` alone; an honest node without it. */
  readonly adversary?: Adversary
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
  const { log, adversary } = options
  await initZellular()
  const key = nodeKeySchema.parse(JSON.parse(readFileSync(config.keyFile, 'utf8')))
  const logger = log ?? createLogger(key.id.slice(0, 8))
  const network = new Network(
    parseNodesFile(await readSource(config.nodesFile)),
    config.thresholdPercent,
  )
  const apps = Object.keys(appsFileSchema.parse(JSON.parse(await readSource(config.appsFile))))
  const secretKey = bls.secretKeyFromBigInt(BigInt('0x' + key.blsSecretKey.replace(/^0x/, '')))
  const hooks = adversary?.hooks
  const node = new ZellularNode(config, network, secretKey, key.id, apps, logger, hooks)
  if (adversary !== undefined) logger.warn(`test faults enabled: ${adversary.name}`)
  node.sequencerId = await discoverSequencer(node)
  const recover = () => {
    recoverSequencer(node).catch((error: unknown) =>
      logger.error(`sequencer recovery failed: ${(error as Error)?.stack ?? String(error)}`),
    )
  }
  node.onNotSequencer = recover
  node.onAbandoned = () => {
    for (const reports of node.reports.values()) reports.clear()
    recover()
  }
  logParameters(node)

  const server = await listen(createNodeApp(node).fetch, config)
  const sequencerLoop = every(config.syncIntervalMs, () => synchronize(node))
  // A node's report can complete a quorum; the sequencer then signs at once, not a period later.
  node.onReport = () => sequencerLoop.wake()
  const loops = [
    every(config.nodeLoopIntervalMs, async () => {
      await postBatches(node)
      await disputeIfNeeded(node)
      if (adversary !== undefined) await adversary.act(node)
    }),
    sequencerLoop,
    every(config.fetchAppsAndNodesIntervalMs, () => refreshApps(node)),
  ]
  const url = `http://${config.host}:${config.port}`
  logger.info(
    `listening on ${url}; sequencer ${node.sequencerId}${node.isSequencer ? ' (me)' : ''}`,
  )
  return {
    node,
    url,
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
      node.close()
    },
  }
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], config: NodeConfig) {
  return new Promise<ServerType>((resolve, reject) => {
    const server = serve({ fetch, hostname: config.host, port: config.port }, () => resolve(server))
    server.once('error', reject)
  })
}

/**
 * Runs `task` every `intervalMs`, never overlapping itself; `wake` runs it at once (or right
 * after the current run) instead of waiting out the interval; `stop` waits for the running one.
 */
function every(intervalMs: number, task: () => Promise<void>) {
  let stopped = false
  let busy = false
  let again = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  const tick = () => {
    clearTimeout(timer)
    busy = true
    again = false
    running = task()
      .catch((error: unknown) => console.error(error))
      .finally(() => {
        busy = false
        if (stopped) return
        timer = again ? setTimeout(tick, 0) : setTimeout(tick, intervalMs)
      })
  }
  timer = setTimeout(tick, intervalMs)
  return {
    wake() {
      if (stopped) return
      if (busy) again = true
      else tick()
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}

async function refreshApps(node: ZellularNode): Promise<void> {
  try {
    const text = await readSource(node.config.appsFile)
    for (const app of Object.keys(appsFileSchema.parse(JSON.parse(text)))) node.addApp(app)
  } catch (error) {
    node.log.warn(`apps file not refreshed: ${(error as Error).message}`)
  }
}

/** zsequencer's missed-switch recovery (§8.7): ask the network who the sequencer is. */
async function recoverSequencer(node: ZellularNode): Promise<void> {
  const found = await discoverSequencer(node)
  if (found === node.sequencerId) return
  node.log.info(`sequencer changed from ${node.sequencerId} to ${found} (recovered)`)
  node.sequencerId = found
  for (const [app, log] of node.logs) requeueUnlocked(node, app, log.lastFinalized)
}

function logParameters(node: ZellularNode): void {
  const { config } = node
  node.log.info(
    `parameters: version=${config.version} threshold=${config.thresholdPercent}% ` +
      `syncIntervalMs=${config.syncIntervalMs} nodeLoopIntervalMs=${config.nodeLoopIntervalMs} ` +
      `aggregationTimeoutMs=${config.aggregationTimeoutMs} pipelineLocks=${config.pipelineLocks} ` +
      `finalizationTimeBorderMs=${config.finalizationTimeBorderMs} ` +
      `bandwidthKbPerWindow=${config.bandwidthKbPerWindow} ` +
      `maxBatchSizeKb=${config.maxBatchSizeKb} ` +
      `apps=${[...node.logs.keys()].join(',')} nodes=${node.network.operators.size} ` +
      `dataDir=${config.dataDir}`,
  )
}
