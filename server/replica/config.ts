import { join } from 'node:path'
import { z } from 'zod'
import { replicaRegistrySchema, type ReplicaRegistry } from '../../shared/api/index.ts'
import { createBlsVerifier, herumi, unprovenMember } from '../../shared/attest/index.ts'
import { ledgerGenesisSchema, type LedgerGenesis } from '../../shared/ledger/index.ts'
import { batchItemEncodings } from '../../shared/intents/index.ts'
import { ConfigError, parseConfigFile, parseEnvironment } from '../configError.ts'
import { defaultReplicaParameters, type ReplicaParameters } from './replica.ts'

const positiveInteger = (fallback: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .transform((text) => Number.parseInt(text, 10))
    .default(fallback)

/**
 * The replica's environment variables. Required: REPLICA_ID, REPLICA_PORT, REPLICA_DATA_DIR,
 * REPLICA_REGISTRY_FILE, REPLICA_GENESIS_FILE, ZELLULAR_NODES_FILE; everything else has a
 * default. Units are in the names.
 */
const replicaEnvironmentSchema = z.object({
  /** This replica's id in the registry, e.g. `replica-1`. */
  REPLICA_ID: z.string().min(1),
  REPLICA_HOST: z.string().default('127.0.0.1'),
  REPLICA_PORT: positiveInteger(5001),
  /** Holds `bls-key.json` (mode 0600) and `replica.db` unless their own variables say otherwise. */
  REPLICA_DATA_DIR: z.string().min(1),
  REPLICA_KEY_FILE: z.string().optional(),
  REPLICA_DATABASE_FILE: z.string().optional(),
  /**
   * `postgres://user:password@host:port/database`: keep the state in that PostgreSQL database
   * instead of the SQLite file (which then holds nothing; the pending journal stays beside it).
   */
  REPLICA_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/./, 'a postgres:// or postgresql:// URL')
    .optional(),
  /**
   * State sync: when the database is fresh, start from a peer's snapshot checked against a quorum
   * root instead of replaying Zellular from index 0. `peers`: ask every other registry replica;
   * or comma-separated base URLs to ask, in turn. Ignored when the database holds a state.
   */
  REPLICA_STATE_SYNC: z
    .string()
    .regex(
      /^(peers|https?:\/\/[^/,]+(,https?:\/\/[^/,]+)*)$/,
      '`peers` or http:// base URLs, comma-separated',
    )
    .optional(),
  REPLICA_REGISTRY_FILE: z.string().min(1),
  REPLICA_GENESIS_FILE: z.string().min(1),
  /** Required, except in an API process (`REPLICA_APPLIER_URL`), which talks to no node. */
  ZELLULAR_NODES_FILE: z.string().min(1).optional(),
  /**
   * Set in an API process of a replica on PostgreSQL: the base URL of the replica's applier
   * (the process that applies and writes, and holds the Zellular client). The process then
   * serves reads from `REPLICA_DATABASE_URL`, which it never writes, relays the applier's events
   * and forwards submissions to it (`apiReplica.ts`).
   */
  REPLICA_APPLIER_URL: z
    .string()
    .regex(/^https?:\/\/[^/]+$/, 'an http:// base URL without a path')
    .optional(),
  /**
   * API processes sharing `REPLICA_PORT` (node:cluster, connections spread round-robin); with
   * `REPLICA_APPLIER_URL` only.
   */
  REPLICA_API_PROCESSES: z
    .string()
    .regex(/^[1-9]$/)
    .transform((text) => Number.parseInt(text, 10))
    .default(1),
  /** Zellular app name the batches go to. */
  ZELLULAR_APP: z.string().default('orderbook'),
  ZELLULAR_THRESHOLD_PERCENT: positiveInteger(67),
  /** First pause of the finalized-batch poll when nothing is new; it doubles up to the max. */
  ZELLULAR_POLL_INTERVAL_MS: positiveInteger(20),
  /**
   * Longest pause between polls. Every ms of it is latency added to the first batch after a
   * quiet spell, so a replica keeps it short (the SDK's own default is 2000 ms).
   */
  ZELLULAR_MAX_BACKOFF_MS: positiveInteger(200),
  /**
   * How long a node of ours may hold a read of finalized batches that finds nothing new, until
   * the next finalization (`&wait=ms`); 0: plain v0.1.7 polling. zsequencer ignores it. A node
   * that holds a read for the whole wait is left for the next one, so a lagging node costs one
   * wait: kept short for that.
   */
  ZELLULAR_LONG_POLL_MS: z
    .string()
    .regex(/^[0-9]{1,6}$/)
    .transform((text) => Number.parseInt(text, 10))
    .default(1_000),
  /**
   * The longest that wait grows to while nothing comes (it doubles after each read held whole,
   * and is back at `ZELLULAR_LONG_POLL_MS` once batches come): an idle replica reads a node
   * every 2.5 s, not every second, while a busy one, whose reads end at each finalization,
   * leaves a paused node as soon as before. At most half the SDK's 5 s request timeout.
   */
  ZELLULAR_LONG_POLL_MAX_MS: z
    .string()
    .regex(/^[0-9]{1,6}$/)
    .transform((text) => Number.parseInt(text, 10))
    .default(2_500),
  /**
   * How long a node may take to start answering a batch PUT or `/node/state`, which it answers
   * at once: a gateway paused or cut off is left after this, not after the 5 s request timeout.
   */
  ZELLULAR_QUICK_ANSWER_MS: z
    .string()
    .regex(/^[1-9][0-9]{0,4}$/)
    .transform((text) => Number.parseInt(text, 10))
    .default(1_500),
  /**
   * The local IP address the replica's requests to the nodes go from. Nodes share their intake
   * per client address, so replicas on one machine each send from their own (the local network
   * gives each a loopback address of its own); unset, the system picks.
   */
  ZELLULAR_SOURCE_ADDRESS: z.union([z.ipv4(), z.ipv6()]).optional(),
  /** Comma-separated origins allowed by CORS, or `*`. */
  REPLICA_CORS_ORIGINS: z.string().default('*'),
  REPLICA_BODY_LIMIT_KB: positiveInteger(defaultReplicaParameters.bodyLimitBytes / 1024),
  REPLICA_BATCH_WINDOW_MS: positiveInteger(defaultReplicaParameters.batchWindowMs),
  REPLICA_BATCH_SIZE_BYTES_MAX: positiveInteger(defaultReplicaParameters.batchBytesMax),
  REPLICA_BATCH_ENCODING: z
    .enum(batchItemEncodings)
    .default(defaultReplicaParameters.batchEncoding),
  REPLICA_PENDING_MAX: positiveInteger(defaultReplicaParameters.pendingMax),
  REPLICA_SUBMIT_IN_FLIGHT_MAX: positiveInteger(defaultReplicaParameters.submitInFlightMax),
  REPLICA_SUBMIT_BULK_MAX: positiveInteger(defaultReplicaParameters.submitBulkMax),
  REPLICA_AGGREGATE_TIMEOUT_MS: positiveInteger(defaultReplicaParameters.aggregateTimeoutMs),
  /**
   * FULL: every commit waits for the disk (SQLite `synchronous=FULL`, PostgreSQL
   * `synchronous_commit=on`); NORMAL: a power loss (or a crash of the database server) may undo
   * the last commits, which the replica applies again from Zellular.
   */
  REPLICA_DURABILITY: z.enum(['FULL', 'NORMAL']).optional(),
  /** The old name of `REPLICA_DURABILITY` (from when only SQLite had it): read, with a warning. */
  REPLICA_SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).optional(),
  REPLICA_FINALIZED_POLL_MS: positiveInteger(defaultReplicaParameters.finalizedPollMs),
  REPLICA_STATE_HASH_INTERVAL_MS: positiveInteger(defaultReplicaParameters.stateHashIntervalMs),
  REPLICA_DIVERGENCE_CHECK_MS: positiveInteger(defaultReplicaParameters.divergenceCheckMs),
  REPLICA_HISTORY_RETAIN_BATCHES: positiveInteger(defaultReplicaParameters.historyRetainBatches),
  /**
   * Signature-verifying worker threads ahead of the apply loop; 0 verifies inline. Worth 1 on a
   * machine with a core to spare; the devnet runs 7 processes on 2 cores, so it defaults to 0.
   */
  REPLICA_VERIFIER_THREADS: z
    .string()
    .regex(/^[0-9]$/)
    .transform((text) => Number.parseInt(text, 10))
    .default(defaultReplicaParameters.verifierThreads),
  /** Most SSE streams at once; more get 503 `too_many_subscribers`. */
  REPLICA_EVENT_SUBSCRIBERS_MAX: positiveInteger(defaultReplicaParameters.eventSubscribersMax),
  /** Most SSE streams one client IP address may hold; more get 429 `rate_limited`. */
  REPLICA_EVENT_STREAMS_PER_CLIENT_MAX: positiveInteger(
    defaultReplicaParameters.eventStreamsPerClientMax,
  ),
  /** TCP connections each client IP address may hold open; more are closed at once. */
  REPLICA_CONNECTIONS_PER_CLIENT_MAX: positiveInteger(
    defaultReplicaParameters.connectionsPerClientMax,
  ),
  /** Most events an SSE client may fall behind before its stream gets `reset` and is closed. */
  REPLICA_EVENT_QUEUE_MAX: positiveInteger(defaultReplicaParameters.eventQueueMax),
  /** Submissions per second each client IP address may make, sustained (429 beyond). */
  REPLICA_SUBMIT_RATE_PER_SECOND: positiveInteger(defaultReplicaParameters.submitRatePerSecond),
  /** Submissions a client IP address may make at once after a quiet spell. */
  REPLICA_SUBMIT_BURST: positiveInteger(defaultReplicaParameters.submitBurst),
  /** Signed-read units (one per read, or per new signature) each client IP may spend per second. */
  REPLICA_SIGNED_READ_RATE_PER_SECOND: positiveInteger(
    defaultReplicaParameters.signedReadRatePerSecond,
  ),
  /** Signed-read units a client IP address may spend at once after a quiet spell. */
  REPLICA_SIGNED_READ_BURST: positiveInteger(defaultReplicaParameters.signedReadBurst),
  /** New balance signatures per second for all clients together (503 `overloaded` beyond). */
  REPLICA_SIGNATURES_PER_SECOND: positiveInteger(defaultReplicaParameters.signaturesPerSecond),
  /** New balance signatures at once after a quiet spell, for all clients together. */
  REPLICA_SIGNATURES_BURST: positiveInteger(defaultReplicaParameters.signaturesBurst),
  /** `off` on an applier behind its API processes only, which limit each client themselves. */
  REPLICA_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /** Least time before an intent accepted by a node but not applied is sent again. */
  REPLICA_REDELIVER_AFTER_MS: positiveInteger(defaultReplicaParameters.redeliverAfterMs),
})

/** The BLS key file of a replica. */
export const replicaKeyFileSchema = z.object({
  /** 32-byte BLS12-381 secret key, `0x` hex. */
  blsSecretKey: z.string().regex(/^0x[0-9a-f]{64}$/),
})

/** Everything `main.ts` needs, parsed and loaded once. */
export interface ReplicaMainConfig {
  readonly replicaId: string
  readonly host: string
  readonly port: number
  readonly keyFile: string
  readonly databaseFile: string
  /** Start a fresh database from a peer's snapshot (`REPLICA_STATE_SYNC`), from `sources`. */
  readonly stateSync: { readonly sources?: readonly string[] } | undefined
  /** PostgreSQL instead of `databaseFile`, when set (`REPLICA_DATABASE_URL`). */
  readonly databaseUrl: string | undefined
  /** Set in an API process: its applier's base URL (`REPLICA_APPLIER_URL`). */
  readonly applierUrl: string | undefined
  /** API processes sharing the port (`REPLICA_API_PROCESSES`). */
  readonly apiProcesses: number
  readonly registryFile: string
  readonly genesisFile: string
  readonly registry: ReplicaRegistry
  readonly genesis: LedgerGenesis
  readonly blsSecretKey: Uint8Array
  readonly zellular: {
    nodesFile: string
    app: string
    thresholdPercent: number
    pollIntervalMs: number
    maxBackoffMs: number
    longPollMs: number
    longPollMaxMs: number
    quickAnswerMs: number
    sourceAddress: string | undefined
  }
  readonly parameters: ReplicaParameters
  /** What the environment asks that `main.ts` should warn about once, at start. */
  readonly warnings: readonly string[]
}

/** Parses the environment and loads the files it names; throws with the offending variable. */
export function loadReplicaConfig(environment: NodeJS.ProcessEnv): ReplicaMainConfig {
  const env = parseEnvironment(replicaEnvironmentSchema, environment)
  const keyFile = env.REPLICA_KEY_FILE ?? join(env.REPLICA_DATA_DIR, 'bls-key.json')
  const databaseFile = env.REPLICA_DATABASE_FILE ?? join(env.REPLICA_DATA_DIR, 'replica.db')
  const registry = parseConfigFile(
    replicaRegistrySchema,
    'REPLICA_REGISTRY_FILE',
    env.REPLICA_REGISTRY_FILE,
  )
  const genesis = parseConfigFile(
    ledgerGenesisSchema,
    'REPLICA_GENESIS_FILE',
    env.REPLICA_GENESIS_FILE,
  )
  const key = parseConfigFile(replicaKeyFileSchema, 'REPLICA_KEY_FILE', keyFile)
  // Clients refuse a quorum counting such a key; a replica refuses to start under it, so the
  // operator learns of it at once.
  const unproven = unprovenMember(registry.replicas, createBlsVerifier(herumi))
  if (unproven !== undefined) {
    throw new ConfigError(
      `${env.REPLICA_REGISTRY_FILE} lists ${unproven.id} with a BLS key whose proof of ` +
        'possession does not verify (blsProofOfPossession)',
    )
  }
  if (!registry.replicas.some((replica) => replica.id === env.REPLICA_ID)) {
    throw new ConfigError(
      `REPLICA_ID ${env.REPLICA_ID} is not in the registry ${env.REPLICA_REGISTRY_FILE}`,
    )
  }
  const applierUrl = env.REPLICA_APPLIER_URL
  if (applierUrl !== undefined && !env.REPLICA_DATABASE_URL) {
    throw new ConfigError('REPLICA_APPLIER_URL (an API process) needs REPLICA_DATABASE_URL')
  }
  if (applierUrl === undefined && env.REPLICA_API_PROCESSES > 1) {
    throw new ConfigError('REPLICA_API_PROCESSES is for API processes (with REPLICA_APPLIER_URL)')
  }
  if (applierUrl === undefined && env.ZELLULAR_NODES_FILE === undefined) {
    throw new ConfigError('ZELLULAR_NODES_FILE is required (except with REPLICA_APPLIER_URL)')
  }
  const warnings: string[] = []
  if (env.REPLICA_SQLITE_SYNCHRONOUS !== undefined) {
    const current = env.REPLICA_DURABILITY
    if (current !== undefined && current !== env.REPLICA_SQLITE_SYNCHRONOUS) {
      throw new ConfigError(
        `REPLICA_SQLITE_SYNCHRONOUS=${env.REPLICA_SQLITE_SYNCHRONOUS} (the old name of ` +
          `REPLICA_DURABILITY) contradicts REPLICA_DURABILITY=${current}`,
      )
    }
    warnings.push('REPLICA_SQLITE_SYNCHRONOUS is the old name of REPLICA_DURABILITY: rename it')
  }
  const origins = env.REPLICA_CORS_ORIGINS.trim()
  return {
    replicaId: env.REPLICA_ID,
    host: env.REPLICA_HOST,
    port: env.REPLICA_PORT,
    keyFile,
    databaseFile,
    databaseUrl: env.REPLICA_DATABASE_URL || undefined,
    stateSync:
      env.REPLICA_STATE_SYNC === undefined
        ? undefined
        : env.REPLICA_STATE_SYNC === 'peers'
          ? {}
          : { sources: env.REPLICA_STATE_SYNC.split(',') },
    applierUrl,
    apiProcesses: env.REPLICA_API_PROCESSES,
    registryFile: env.REPLICA_REGISTRY_FILE,
    genesisFile: env.REPLICA_GENESIS_FILE,
    registry,
    genesis,
    blsSecretKey: Uint8Array.from(Buffer.from(key.blsSecretKey.slice(2), 'hex')),
    zellular: {
      nodesFile: env.ZELLULAR_NODES_FILE ?? '',
      app: env.ZELLULAR_APP,
      thresholdPercent: env.ZELLULAR_THRESHOLD_PERCENT,
      pollIntervalMs: env.ZELLULAR_POLL_INTERVAL_MS,
      maxBackoffMs: env.ZELLULAR_MAX_BACKOFF_MS,
      longPollMs: env.ZELLULAR_LONG_POLL_MS,
      longPollMaxMs: env.ZELLULAR_LONG_POLL_MAX_MS,
      quickAnswerMs: env.ZELLULAR_QUICK_ANSWER_MS,
      sourceAddress: env.ZELLULAR_SOURCE_ADDRESS,
    },
    warnings,
    parameters: {
      corsOrigins: origins === '*' ? '*' : origins.split(',').map((origin) => origin.trim()),
      bodyLimitBytes: env.REPLICA_BODY_LIMIT_KB * 1024,
      batchWindowMs: env.REPLICA_BATCH_WINDOW_MS,
      batchBytesMax: env.REPLICA_BATCH_SIZE_BYTES_MAX,
      batchEncoding: env.REPLICA_BATCH_ENCODING,
      pendingMax: env.REPLICA_PENDING_MAX,
      submitInFlightMax: env.REPLICA_SUBMIT_IN_FLIGHT_MAX,
      submitBulkMax: env.REPLICA_SUBMIT_BULK_MAX,
      aggregateTimeoutMs: env.REPLICA_AGGREGATE_TIMEOUT_MS,
      durability:
        env.REPLICA_DURABILITY ??
        env.REPLICA_SQLITE_SYNCHRONOUS ??
        defaultReplicaParameters.durability,
      finalizedPollMs: env.REPLICA_FINALIZED_POLL_MS,
      stateHashIntervalMs: env.REPLICA_STATE_HASH_INTERVAL_MS,
      divergenceCheckMs: env.REPLICA_DIVERGENCE_CHECK_MS,
      historyRetainBatches: env.REPLICA_HISTORY_RETAIN_BATCHES,
      verifierThreads: env.REPLICA_VERIFIER_THREADS,
      eventSubscribersMax: env.REPLICA_EVENT_SUBSCRIBERS_MAX,
      eventStreamsPerClientMax: env.REPLICA_EVENT_STREAMS_PER_CLIENT_MAX,
      connectionsPerClientMax: env.REPLICA_CONNECTIONS_PER_CLIENT_MAX,
      eventQueueMax: env.REPLICA_EVENT_QUEUE_MAX,
      submitRatePerSecond: env.REPLICA_SUBMIT_RATE_PER_SECOND,
      submitBurst: env.REPLICA_SUBMIT_BURST,
      signedReadRatePerSecond: env.REPLICA_SIGNED_READ_RATE_PER_SECOND,
      signedReadBurst: env.REPLICA_SIGNED_READ_BURST,
      signaturesPerSecond: env.REPLICA_SIGNATURES_PER_SECOND,
      signaturesBurst: env.REPLICA_SIGNATURES_BURST,
      rateLimits: env.REPLICA_RATE_LIMITS === 'on',
      redeliverAfterMs: env.REPLICA_REDELIVER_AFTER_MS,
    },
  }
}
