import { serve } from '@hono/node-server'
import { initZellular, loadNetwork } from '../../shared/zellular/index.ts'
import { initKeccak } from '../../shared/intents/index.ts'
import { initSha256 } from '../../shared/stateHash/index.ts'
import cluster from 'node:cluster'
import { limitConnectionsPerClient } from '../http/connectionsPerClient.ts'
import { configuredOrExit } from '../configError.ts'
import { loadReplicaConfig, type ReplicaMainConfig } from './config.ts'
import { createApiReplica } from './apiReplica.ts'
import { createReplica } from './replica.ts'
import { createStoreFaults } from './storeFaults.ts'
import { replicaZellularClient } from './zellularClient.ts'

/*
 * A replica process (run compiled, see `server/serverBuild.mjs`), configured by environment
 * variables (see `config.ts`). The only file that listens. With `REPLICA_APPLIER_URL` it is an
 * API process of a replica on PostgreSQL (`apiReplica.ts`), and with `REPLICA_API_PROCESSES` > 1
 * it forks that many of them on one port (node:cluster) and watches them.
 */

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`)
const config = configuredOrExit('replica', () => loadReplicaConfig(process.env))
for (const warning of config.warnings) log(`WARNING ${warning}`)
// Test-only faults (cluster and chaos suites), read here alone: the rest of the replica knows
// only the store's hooks, which nothing else installs.
const testFaults = {
  crashInCommitAt: testCount('REPLICA_TEST_CRASH_IN_COMMIT_AT', /^[1-9][0-9]{0,9}$/),
  diskFullAfterCommits: testCount('REPLICA_TEST_DISK_FULL_AFTER_COMMITS', /^[0-9]{1,10}$/),
}

if (config.applierUrl === undefined) await runApplier()
else if (cluster.isPrimary && config.apiProcesses > 1) runApiCluster(config.apiProcesses)
else await runApiProcess(config, config.applierUrl)

/** The replica's applier (or a whole replica on SQLite): applies, writes, signs, serves. */
async function runApplier(): Promise<void> {
  await Promise.all([initZellular(), initKeccak(), initSha256()])
  const network = await loadNetwork(config.zellular.nodesFile, config.zellular.thresholdPercent)
  const zellular = replicaZellularClient(config.zellular, network, log)
  const replica = await createReplica({
    replicaId: config.replicaId,
    registry: config.registry,
    genesis: config.genesis,
    blsSecretKey: config.blsSecretKey,
    databaseFile: config.databaseFile,
    databaseUrl: config.databaseUrl,
    zellular,
    parameters: config.parameters,
    storeHooks: createStoreFaults(testFaults),
    stateSync: config.stateSync,
    log,
  })

  // Every effective parameter, once, in one block.
  const effective = {
    replicaId: config.replicaId,
    listen: `${config.host}:${config.port}`,
    app: config.registry.app,
    network: config.registry.network,
    database: replica.state.storage.location,
    keyFile: config.keyFile,
    registryFile: config.registryFile,
    genesisFile: config.genesisFile,
    replicas: config.registry.replicas.map((r) => `${r.id}=${r.url}`).join(' '),
    quorum: config.registry.quorum,
    zellularNodesFile: config.zellular.nodesFile,
    zellularApp: zellular.app,
    zellularThresholdPercent: config.zellular.thresholdPercent,
    zellularPollIntervalMs: zellular.pollIntervalMs,
    zellularMaxBackoffMs: zellular.maxBackoffMs,
    zellularLongPollMs: zellular.longPollMs,
    zellularLongPollMaxMs: zellular.longPollMaxMs,
    zellularQuickAnswerMs: zellular.quickAnswerMs,
    zellularSourceAddress: config.zellular.sourceAddress ?? '(the system picks)',
    zellularNodes: [...network.operators.values()].map((o) => o.socket).join(' '),
    ...config.parameters,
    corsOrigins:
      config.parameters.corsOrigins === '*' ? '*' : config.parameters.corsOrigins.join(','),
    blsPublicKey: replica.deps.blsPublicKey,
    appliedIndex: replica.state.position.index,
    crashInCommitAt: testFaults.crashInCommitAt ?? 'off',
    diskFullAfterCommits: testFaults.diskFullAfterCommits ?? 'off',
  }
  log(
    `replica parameters:\n${Object.entries(effective)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  )

  const server = serve({ fetch: replica.app.fetch, hostname: config.host, port: config.port })
  // An applier's only clients are its API processes, which limit each of theirs.
  const { rateLimits, connectionsPerClientMax } = config.parameters
  if (rateLimits) limitConnectionsPerClient(server, connectionsPerClientMax)
  // NOTE: parsed by nothing; readiness is `GET /status` answering.
  log(`replica ${config.replicaId} listening on http://${config.host}:${config.port}`)

  let stopping = false
  async function shutdown(code: number): Promise<never> {
    stopping = true
    server.close()
    await replica.stop()
    process.exit(code)
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopping) shutdown(0).catch(fatal)
    })
  }

  replica.start().then(() => {
    if (!stopping) shutdown(0).catch(fatal)
  }, fatal)
}

/**
 * An API process: serves reads from the replica's database and relays the applier's events;
 * exits 1 on any failure to start (the launcher or the cluster primary starts it again).
 */
async function runApiProcess(config: ReplicaMainConfig, applierUrl: string): Promise<void> {
  await Promise.all([initZellular(), initKeccak(), initSha256()])
  const api = await createApiReplica({
    replicaId: config.replicaId,
    registry: config.registry,
    genesis: config.genesis,
    blsSecretKey: config.blsSecretKey,
    databaseUrl: config.databaseUrl!,
    applierUrl,
    parameters: config.parameters,
    log,
  })
  log(
    `replica API process parameters:\n${Object.entries({
      replicaId: config.replicaId,
      listen: `${config.host}:${config.port}`,
      applier: applierUrl,
      database: api.location,
      worker: cluster.isWorker ? cluster.worker?.id : 'none',
      ...config.parameters,
      corsOrigins:
        config.parameters.corsOrigins === '*' ? '*' : config.parameters.corsOrigins.join(','),
    })
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  )
  await api.start()
  const server = serve({ fetch: api.app.fetch, hostname: config.host, port: config.port })
  limitConnectionsPerClient(server, config.parameters.connectionsPerClientMax)
  log(`replica ${config.replicaId} API process listening on http://${config.host}:${config.port}`)
  let stopping = false
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      server.close()
      api.stop().then(() => process.exit(0), fatal)
    })
  }
}

/**
 * The primary of `count` API processes on one port: it forks them, starts again one that
 * exits (after a second, so a process that cannot start does not spin), and stops them all
 * on SIGINT/SIGTERM.
 */
function runApiCluster(count: number): void {
  let stopping = false
  const fork = () => {
    const worker = cluster.fork()
    worker.on('exit', (code) => {
      if (stopping) return
      log(`API process ${worker.id} exited (${code}); starting another`)
      setTimeout(fork, 1_000)
    })
  }
  for (let n = 0; n < count; n++) fork()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return
      stopping = true
      const workers = Object.values(cluster.workers ?? {})
      let left = workers.length
      if (left === 0) process.exit(0)
      for (const worker of workers) {
        worker?.on('exit', () => {
          if (--left === 0) process.exit(0)
        })
        worker?.kill('SIGTERM')
      }
    })
  }
}

/** A whole-number test variable, or undefined when unset; throws naming it when malformed. */
function testCount(name: string, format: RegExp): number | undefined {
  const text = process.env[name]
  if (text === undefined || text === '') return undefined
  if (!format.test(text)) throw new Error(`${name}=${text} is not a count (${format.source})`)
  return Number.parseInt(text, 10)
}

/** Logs the error that ends this process, with its cause, and exits with code 1. */
function fatal(error: unknown): never {
  log(`FATAL ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  if (error instanceof Error && error.cause instanceof Error) log(`cause: ${error.cause.stack}`)
  process.exit(1)
}
