import type { ReplicaRegistry } from '../../shared/api/index.ts'
import { createExchange, type ExchangeConfig } from '../../shared/exchange/index.ts'
import type { LedgerGenesis } from '../../shared/ledger/index.ts'
import { createApiApp } from './apiApp.ts'
import { ApplierDivergence } from './applierDivergence.ts'
import { forwardToApplier } from './applierForward.ts'
import { BalanceSigner } from './balanceSigner.ts'
import { EventHub } from './eventHub.ts'
import { EventRelay } from './eventRelay.ts'
import { defaultReplicaParameters, type ReplicaParameters } from './replica.ts'
import { configurationHash } from './replicaState.ts'
import { openPostgresReads, redactUrl, type PostgresReads } from './store/postgresReads.ts'

/** What an API process is made of; `main.ts` reads it from the environment. */
export interface ApiReplicaConfig {
  /** The replica it serves: its id, registry and genesis are the applier's. */
  readonly replicaId: string
  readonly registry: ReplicaRegistry
  readonly genesis: LedgerGenesis
  /** The replica's BLS key, to sign balances (see the README: why API processes hold it). */
  readonly blsSecretKey: Uint8Array
  /** The replica's PostgreSQL database, which the applier writes and this process only reads. */
  readonly databaseUrl: string
  /** The applier's base URL (`REPLICA_APPLIER_URL`). */
  readonly applierUrl: string
  readonly parameters?: Partial<ReplicaParameters>
  /** Most database connections of this process (default 4). */
  readonly readConnectionsMax?: number
  /** How long a forwarded request may wait for the applier (default 30 s: submits send). */
  readonly forwardTimeoutMs?: number
  readonly log?: (line: string) => void
  readonly fetch?: typeof fetch
}

/** An API process wired together: its HTTP app, its feed of events, its database reads. */
export interface ApiReplica {
  readonly app: ReturnType<typeof createApiApp>
  readonly relay: EventRelay
  readonly reads: PostgresReads
  readonly location: string
  /**
   * Starts following the applier's events and status; resolves once the applier's status was
   * asked once (answered or not), so a process started beside a diverged applier signs nothing.
   */
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * A stateless API process of a replica on PostgreSQL: no exchange in memory, no Zellular
 * client, nothing written. It refuses a database made from another genesis or market
 * configuration, as the applier does.
 */
export async function createApiReplica(config: ApiReplicaConfig): Promise<ApiReplica> {
  const parameters = { ...defaultReplicaParameters, ...config.parameters }
  const log = config.log ?? ((line: string) => console.log(line))
  const { registry } = config
  const exchangeConfig: ExchangeConfig = {
    domain: { app: registry.app, network: registry.network },
    genesis: config.genesis,
    markets: registry.markets,
  }
  // Markets and tokens are configuration: the exchange at genesis knows them all.
  const exchange = createExchange(exchangeConfig)
  const reads = await openPostgresReads(config.databaseUrl, {
    connectionsMax: config.readConnectionsMax ?? 4,
  })
  const genesisHash = await reads.metaValue('genesis_hash')
  if (genesisHash !== configurationHash(exchangeConfig)) {
    await reads.close()
    throw new Error('the database was made from another genesis or market configuration')
  }
  const hub = new EventHub({ subscribersMax: parameters.eventSubscribersMax })
  const doFetch = config.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const relay = new EventRelay({ applierUrl: config.applierUrl, hub, log, fetch: doFetch })
  const signer = new BalanceSigner(config.blsSecretKey, {
    app: registry.app,
    network: registry.network,
    replicaId: config.replicaId,
    genesisHash,
  })
  const applier = new ApplierDivergence({
    applierUrl: config.applierUrl,
    log,
    // The healed database may hold other balances at indexes signed of the diverged one.
    onStateReplaced: () => signer.forget(),
    recorded: () => reads.divergence(),
    fetch: doFetch,
  })
  const app = createApiApp({
    replicaId: config.replicaId,
    reads,
    markets: exchange.markets,
    tokens: exchange.ledger.tokens,
    signer,
    hub,
    relay,
    applier,
    forward: forwardToApplier({
      applierUrl: config.applierUrl,
      timeoutMs: config.forwardTimeoutMs ?? 30_000,
      fetch: doFetch,
    }),
    options: parameters,
    log,
  })
  return {
    app,
    relay,
    reads,
    location: redactUrl(config.databaseUrl),
    async start() {
      relay.start()
      await applier.start()
    },
    async stop() {
      await Promise.all([relay.stop(), applier.stop()])
      await reads.close()
    },
  }
}
