import { serve } from '@hono/node-server'
import { initZellular, loadNetwork, ZellularClient } from '../../shared/zellular/index.ts'
import { initKeccak } from '../../shared/intents/index.ts'
import { initSha256 } from '../../shared/stateHash/index.ts'
import { loadReplicaConfig } from './config.ts'
import { createReplica } from './replica.ts'
import { createStoreFaults } from './storeFaults.ts'

/*
 * A replica process (run compiled, see `server/serverBuild.mjs`), configured by environment
 * variables (see `config.ts`). The only file that listens.
 */

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`)
const config = loadReplicaConfig(process.env)
// Test-only faults (cluster and chaos suites), read here alone: the rest of the replica knows
// only the store's hooks, which nothing else installs.
const testFaults = {
  crashInCommitAt: testCount('REPLICA_TEST_CRASH_IN_COMMIT_AT', /^[1-9][0-9]{0,9}$/),
  diskFullAfterCommits: testCount('REPLICA_TEST_DISK_FULL_AFTER_COMMITS', /^[0-9]{1,10}$/),
}

await Promise.all([initZellular(), initKeccak(), initSha256()])
const network = await loadNetwork(config.zellular.nodesFile, config.zellular.thresholdPercent)
const zellular = new ZellularClient({
  app: config.zellular.app,
  network,
  pollIntervalMs: config.zellular.pollIntervalMs,
  maxBackoffMs: config.zellular.maxBackoffMs,
  longPollMs: config.zellular.longPollMs,
  onWarning: (error, node) => log(`zellular node ${node}: ${error.name}: ${error.message}`),
})
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
  zellularApp: config.zellular.app,
  zellularThresholdPercent: config.zellular.thresholdPercent,
  zellularPollIntervalMs: config.zellular.pollIntervalMs,
  zellularMaxBackoffMs: config.zellular.maxBackoffMs,
  zellularLongPollMs: config.zellular.longPollMs,
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
// NOTE: parsed by nothing; readiness is `GET /status` answering.
log(`replica ${config.replicaId} listening on http://${config.host}:${config.port}`)

let stopping = false
async function shutdown(code: number): Promise<never> {
  stopping = true
  server.close()
  await replica.stop()
  process.exit(code)
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
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!stopping) shutdown(0).catch(fatal)
  })
}

replica.start().then(() => {
  if (!stopping) shutdown(0).catch(fatal)
}, fatal)
