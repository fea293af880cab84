import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { parseConfig, readConfigJson } from '../configError.ts'

/**
 * Every tunable of a node, with zsequencer's `settings.py` defaults. Durations are in
 * milliseconds here; the `ZSEQUENCER_*` environment variables keep zsequencer's seconds so an
 * operator's existing `.env` means the same thing.
 */
export const nodeConfigSchema = z.object({
  version: z.string().default('v0.1.7'),
  /** Path or http(s) URL of the nodes file. */
  nodesFile: z.string().min(1),
  /** Path or http(s) URL of the apps file. */
  appsFile: z.string().default('./apps.json'),
  /** Where finalized batches are stored (one SQLite file). */
  dataDir: z.string().default('./data/'),
  /** JSON `{ "id": "0x…", "blsSecretKey": "<hex>" }`. */
  keyFile: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(6001),
  syncIntervalMs: z.number().positive().default(30_000),
  nodeLoopIntervalMs: z.number().positive().default(50),
  finalizationTimeBorderMs: z.number().positive().default(120_000),
  aggregationTimeoutMs: z.number().positive().default(5_000),
  fetchAppsAndNodesIntervalMs: z.number().positive().default(60_000),
  bandwidthKbPerWindow: z.number().positive().default(10_000),
  pushRateLimitWindowMs: z.number().positive().default(1_000),
  maxBatchSizeKb: z.number().positive().default(5),
  /**
   * Client batches a non-sequencer node holds per app, and in all, before it answers 429
   * (zsequencer has no cap). The forwarding budget drains ~0.6 MB/s per node by default, so
   * 16 MiB is ~25 s of backlog.
   */
  maxQueuedKbPerApp: z
    .number()
    .positive()
    .default(16 * 1024),
  maxQueuedKb: z
    .number()
    .positive()
    .default(64 * 1024),
  /**
   * The share, in percent, of a follower's queue caps (per app and in all) that one client (an
   * IPv4 address or IPv6 /64) may hold, and of the batches a sequencer takes from clients itself
   * a window; 100 lets one client take everything, as zsequencer does.
   */
  clientSharePercent: z.number().positive().max(100).default(25),
  /**
   * TCP connections one client address may hold open to the node; more are closed at once
   * (`limitConnectionsPerClient`), so one machine cannot take every file descriptor.
   */
  connectionsPerClientMax: z.number().int().positive().default(256),
  /** Largest request body read: bulk client PUTs and node-to-node requests. */
  maxRequestKb: z
    .number()
    .positive()
    .default(8 * 1024),
  /**
   * Most batches one request may hold: a client's bulk PUT, a follower's PUT to the sequencer
   * (which takes no more for one), refused whole above it (429; zsequencer has no cap). Each
   * batch costs a node work whatever its size; with `maxRequestKb` this bounds one request's.
   */
  maxBatchesPerRequest: z.number().int().positive().default(10_000),
  initSequencerId: z.string().default(''),
  thresholdPercent: z.number().min(0).max(100).default(100),
  /**
   * How long followers take a new sequencer's "paused" as "not yet" (`BatchPoster.isSettingUp`),
   * and how long a switch may spend catching up from its peers (`catchUpBudgetOf`).
   */
  sequencerSetupDeadlineMs: z.number().nonnegative().default(10_000),
  /**
   * Lock a new index while the previous lock awaits finalization, as zsequencer v0.1.5 did; v0.1.7
   * waits. Only for networks whose nodes all accept it (ours do; HEAD zsequencer nodes ignore
   * such locks, which costs them latency, not safety).
   */
  pipelineLocks: z.boolean().default(false),
  /**
   * The sequencer's lock and finalization rounds run in two lanes that wake each other when they
   * apply a proof, so a lock round does not wait for the finalization round before it (with
   * `pipelineLocks`; without, the lanes take turns as zsequencer's loop does). Nothing changes on
   * the wire. Off: one loop runs a lock round, then a finalization round (zsequencer's
   * `sync_app`), kept to compare the two.
   */
  pipelineRounds: z.boolean().default(true),
  /**
   * How long a follower holds the sequencer's lock request for batches it does not hold yet, for
   * the answer bringing them (our nodes; 0: refuse at once, as zsequencer). A follower that
   * holds them says so in its PUTs (`sign_wait_ms`), and our sequencer then asks it to lock what
   * it answered it without waiting for its next PUT to report them: the request travels beside
   * the answer instead of after a report. Below the sequencer's aggregation timeout.
   */
  signWaitMs: z.number().nonnegative().default(1_000),
  /**
   * Loops run on work, with their intervals as upper bounds (our nodes only): a client batch
   * wakes the posting loop, and a follower with nothing to send asks the sequencer to hold its
   * PUT until there is news for it (new batches or a finalization) for up to
   * `followerHoldMs`, then posts again at once. A zsequencer sequencer ignores the request and
   * answers at once, and the follower then keeps its interval. Off: rounds every interval.
   */
  wakeOnWork: z.boolean().default(true),
  /**
   * Send zsequencer's `Signature` header (BLS over the xxh128 of the body) on node-to-node
   * requests. zsequencer peers check it: with it, a zsequencer node can sign for a network that
   * one of ours leads. Our nodes ignore it (the freshness MAC proves more, `freshness.ts`), so a
   * network of our nodes alone turns it off and saves a BLS signature per request (a hash to
   * the curve and a scalar multiplication, ~0.25 ms of CPU here; at 5 tx/s each node signs 2
   * instead of ~7 per transfer).
   */
  signatureHeader: z.boolean().default(true),
  /**
   * An idle follower posts about once per hold: longer holds cost less CPU when nothing
   * happens (each PUT is MAC'd, checked and answered), and news still ends a hold at once.
   * A held PUT unanswered `HELD_ANSWER_MARGIN_MS` after its hold marks the sequencer down.
   */
  followerHoldMs: z.number().nonnegative().default(3_000),
  /**
   * The hold of an idle follower's PUT while every batch it holds is finalized (our nodes): our
   * sequencer writes a space into a held answer every `HOLD_BEAT_MS` (JSON allows leading
   * whitespace), so a silent sequencer is noticed `HELD_SILENCE_MARGIN_MS` after a missed beat,
   * whatever the hold; the hold only sets how often an idle follower signs a PUT and its
   * sequencer checks it. Kept under the 10 s after which a sequencer counts a silent follower
   * as gone. While batches wait for finalization the hold is `followerHoldMs`: the follower's
   * dispute checks run between PUTs.
   */
  followerIdleHoldMs: z.number().nonnegative().default(6_000),
  /**
   * How long a synced follower waits for the sequencer's answer to a PUT it does not ask to be
   * held (zsequencer: 5 s). A live sequencer answers such a PUT in milliseconds; a paused or cut
   * off one is disputed once two followers time out, so this bounds how long the network waits
   * on a silent sequencer before replacing it. Too short, and a sequencer slowed by a busy host
   * is replaced for nothing (a switch costs ~2 s of progress).
   */
  sequencerAnswerTimeoutMs: z.number().positive().default(2_500),
  /**
   * How long a follower holding unfinalized batches lets its sequencer go without asking it to
   * sign anything, or without applying a finalization it signed, before it disputes
   * (`ZSEQUENCER_SIGN_SILENCE_BORDER`; 0 turns both off). A sequencer that answers PUTs but
   * cannot reach its followers' sign route (its own requests cut off), or will not gather
   * signatures, or keeps the finalizations it gathers, was otherwise replaced only at the
   * finalization border. Unset: twice the sync interval plus the aggregation timeout, at least
   * 3 s (a zsequencer sequencer with its 30 s sync interval asks only that often).
   */
  signSilenceBorderMs: z.number().nonnegative().optional(),
  /** Least time from the start of one posting round to the next when woken early. */
  wakeGapMs: z.number().nonnegative().default(5),
  /**
   * Least time from the start of one sequencer round (lock or finalization) to the next of its
   * lane when woken early. With it and `wakeGapMs` an operator trades latency for CPU: every
   * round and every follower PUT costs BLS pairings, and on a busy host woken loops otherwise
   * run as often as the cores allow (`BENCHMARKS.md`, latency waterfall).
   */
  roundGapMs: z.number().nonnegative().default(0),
})
export type NodeConfig = z.output<typeof nodeConfigSchema>

/** `ZSEQUENCER_*` name → config field, and whether the value is in seconds. */
const ENVIRONMENT: Record<string, [keyof NodeConfig, 'text' | 'number' | 'seconds' | 'flag']> = {
  ZSEQUENCER_PIPELINE_LOCKS: ['pipelineLocks', 'flag'],
  ZSEQUENCER_PIPELINE_ROUNDS: ['pipelineRounds', 'flag'],
  ZSEQUENCER_SIGN_WAIT: ['signWaitMs', 'seconds'],
  ZSEQUENCER_WAKE_ON_WORK: ['wakeOnWork', 'flag'],
  ZSEQUENCER_SIGNATURE_HEADER: ['signatureHeader', 'flag'],
  ZSEQUENCER_FOLLOWER_HOLD: ['followerHoldMs', 'seconds'],
  ZSEQUENCER_FOLLOWER_IDLE_HOLD: ['followerIdleHoldMs', 'seconds'],
  ZSEQUENCER_SEQUENCER_ANSWER_TIMEOUT: ['sequencerAnswerTimeoutMs', 'seconds'],
  ZSEQUENCER_SIGN_SILENCE_BORDER: ['signSilenceBorderMs', 'seconds'],
  ZSEQUENCER_ROUND_GAP: ['roundGapMs', 'seconds'],
  ZSEQUENCER_WAKE_GAP: ['wakeGapMs', 'seconds'],
  ZSEQUENCER_VERSION: ['version', 'text'],
  ZSEQUENCER_NODES_FILE: ['nodesFile', 'text'],
  ZSEQUENCER_APPS_FILE: ['appsFile', 'text'],
  ZSEQUENCER_SNAPSHOT_PATH: ['dataDir', 'text'],
  ZSEQUENCER_KEY_FILE: ['keyFile', 'text'],
  ZSEQUENCER_HOST: ['host', 'text'],
  ZSEQUENCER_PORT: ['port', 'number'],
  ZSEQUENCER_SYNC_INTERVAL: ['syncIntervalMs', 'seconds'],
  ZSEQUENCER_NODE_LOOP_INTERVAL: ['nodeLoopIntervalMs', 'seconds'],
  ZSEQUENCER_FINALIZATION_TIME_BORDER: ['finalizationTimeBorderMs', 'seconds'],
  ZSEQUENCER_AGGREGATION_TIMEOUT: ['aggregationTimeoutMs', 'seconds'],
  ZSEQUENCER_FETCH_APPS_AND_NODES_INTERVAL: ['fetchAppsAndNodesIntervalMs', 'seconds'],
  ZSEQUENCER_BANDWIDTH_KB_PER_WINDOW: ['bandwidthKbPerWindow', 'number'],
  ZSEQUENCER_PUSH_RATE_LIMIT_WINDOW_SECONDS: ['pushRateLimitWindowMs', 'seconds'],
  ZSEQUENCER_MAX_BATCH_SIZE_KB: ['maxBatchSizeKb', 'number'],
  ZSEQUENCER_MAX_QUEUED_KB_PER_APP: ['maxQueuedKbPerApp', 'number'],
  ZSEQUENCER_MAX_QUEUED_KB: ['maxQueuedKb', 'number'],
  ZSEQUENCER_CLIENT_SHARE_PERCENT: ['clientSharePercent', 'number'],
  ZSEQUENCER_CONNECTIONS_PER_CLIENT_MAX: ['connectionsPerClientMax', 'number'],
  ZSEQUENCER_MAX_REQUEST_KB: ['maxRequestKb', 'number'],
  ZSEQUENCER_MAX_BATCHES_PER_REQUEST: ['maxBatchesPerRequest', 'number'],
  ZSEQUENCER_INIT_SEQUENCER_ID: ['initSequencerId', 'text'],
  ZSEQUENCER_THRESHOLD_PERCENT: ['thresholdPercent', 'number'],
  ZSEQUENCER_SEQUENCER_SETUP_DEADLINE_TIME_IN_SECONDS: ['sequencerSetupDeadlineMs', 'seconds'],
}

/**
 * Defaults, then the JSON config file (`ZSEQUENCER_CONFIG_FILE`, field names as in the schema),
 * then the environment. Parsed once at start; nothing below `main.ts` reads `process.env`.
 */
/** `signSilenceBorderMs`, or its default; never past the finalization border (it adds nothing). */
export function signSilenceBorderOf(config: NodeConfig): number {
  const border =
    config.signSilenceBorderMs ??
    Math.max(3_000, 2 * config.syncIntervalMs + config.aggregationTimeoutMs)
  return Math.min(border, config.finalizationTimeBorderMs)
}

export function loadNodeConfig(environment: NodeJS.ProcessEnv): NodeConfig {
  const file = environment.ZSEQUENCER_CONFIG_FILE
  const merged: Record<string, unknown> = file
    ? { ...(readConfigJson('ZSEQUENCER_CONFIG_FILE', file) as object) }
    : {}
  for (const [name, [field, kind]] of Object.entries(ENVIRONMENT)) {
    const raw = environment[name]
    if (raw === undefined || raw === '') continue
    if (kind === 'flag') merged[field] = raw === 'true' || raw === '1'
    else
      merged[field] = kind === 'text' ? raw : kind === 'number' ? Number(raw) : Number(raw) * 1000
  }
  return parseConfig(nodeConfigSchema, merged, 'settings', ([field]) => {
    const variable = Object.entries(ENVIRONMENT).find(([, [name]]) => name === field)?.[0]
    return variable === undefined ? String(field) : `${String(field)} (${variable})`
  })
}

export const nodeKeySchema = z.object({
  id: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .transform((id) => id.toLowerCase()),
  blsSecretKey: z.string().regex(/^(0x)?[0-9a-fA-F]{1,64}$/),
})

/** The apps file: only its keys matter (zsequencer's `fetch_apps`). */
export const appsFileSchema = z.record(z.string(), z.unknown())

/** Reads a path or an http(s) URL, as zsequencer's `get_file_content` does. */
export async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) throw new Error(`GET ${source}: ${response.status}`)
    return response.text()
  }
  return readFileSync(source, 'utf8')
}
