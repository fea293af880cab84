import { z } from 'zod'
import {
  LaggingNodeError,
  NodeHttpError,
  NoAvailableNodeError,
  ProofError,
  UnprovenPagesError,
  type ZellularError,
} from './errors.ts'
import { LagWatch } from './lagWatch.ts'
import { verifyLastFinalized, type LastFinalized } from './lastFinalized.ts'
import { Network, type Operator } from './network.ts'
import {
  nodesFileSchema,
  parseJsonLosslessly,
  parseNodesFile,
  type NodesFile,
} from './nodesFile.ts'
import { readCappedText } from './cappedStream.ts'
import { pageBatchLimit } from './pageBatches.ts'
import { PageVerifier, type VerifiedBatch } from './pageVerifier.ts'
import { sleep } from '../wait/index.ts'

/**
 * The Zellular SDK client: the only part of `shared/zellular/` that does I/O (fetch and timers).
 * It runs in Node 20+ and in browsers (zsequencer sets no CORS headers, so a browser needs a
 * same-origin proxy in front of the nodes).
 */

export interface ZellularClientParameters {
  /** App name, as listed in the network's apps file. */
  readonly app: string
  readonly network: Network
  /** Limit for each HTTP request, answer body included (default 5000 ms, zsequencer's own). */
  readonly timeoutMs?: number
  /**
   * How long a node may take to start answering what it answers at once (a batch PUT, which it
   * only queues; `/node/state`; default 1500 ms, never over `timeoutMs`). One that has not
   * started by then is paused or cut off: it is left for the next node now, not at `timeoutMs`.
   */
  readonly quickAnswerMs?: number
  /** The fetch to use; default the global one. */
  readonly fetch?: typeof fetch
  /**
   * How requests reach the nodes; default `fetchTransport` over `fetch`. A server passes one
   * on its own HTTP stack (`server/http/httpCall.ts`): fetch costs several times its CPU a request.
   */
  readonly transport?: NodeTransport
  /** First pause when a node has nothing new or fails (default 50 ms); doubles up to the max. */
  readonly pollIntervalMs?: number
  /** Longest pause between polls or retries (default 2000 ms). */
  readonly maxBackoffMs?: number
  /**
   * How long `batches()` asks a node to hold a read that finds nothing new, until something is
   * finalized (`&wait=ms`, an extension of our nodes; default 2000, 0: never asked). A node
   * without it answers at once, and the client then pauses as when polling; it never waits
   * longer than half its `timeoutMs`. A node that holds a read for the whole wait is left for
   * the next one (it may be lagging), as a node silent at the longest pause is, and one that has
   * not started to answer 1.5 s after the wait (paused or cut off) at once, not at `timeoutMs`.
   */
  readonly longPollMs?: number
  /**
   * Longest wait `batches()` asks for while idle (default `longPollMs`; never over half
   * `timeoutMs`): after each read held for its whole wait with nothing new, the next one asks
   * twice as long, up to this, and once batches come it is back at `longPollMs`. An idle reader
   * then costs its node one read per this many ms, while a busy one, whose reads end at each
   * finalization, still leaves a paused node `longPollMs` plus a margin after asking.
   */
  readonly longPollMaxMs?: number
  /**
   * Most bytes read of one node's answer (default 64 MiB); the read is cut there and the node
   * counts as failing. A finalized page holds up to zsequencer's page cap of bodies
   * (`BANDWIDTH_KB_PER_WINDOW` / nodes KB, 25 MB on the local network) plus JSON escaping, or
   * one body over the cap alone: our nodes take such a body only inside a peer's answer, which
   * they read to 32 MiB, so a page of it stays under the default.
   */
  readonly maxResponseBytes?: number
  /**
   * Most chained batches `batches()` holds while no finalization proof covers them (default
   * 100,000); a node that makes it hold more is left for the next one. Honest pages leave at
   * most one gap between two finalizations unproven, so keep this above the network's largest.
   */
  readonly maxUnprovenBatches?: number
  /** Most body text held unproven, in UTF-16 code units ≈ bytes (default 64 MiB); as above. */
  readonly maxUnprovenBytes?: number
  /**
   * Pages in a row one node may serve without a finalization proof for what `batches()` holds
   * before it is left for the next node (default 8). Honest nodes cut a page short of a proof
   * only at their page size cap.
   */
  readonly maxUnprovenPages?: number
  /**
   * Time `batches()` may spend reading one node (requests and pauses, not the caller's time
   * between batches) while what it holds stays unproven, before leaving it (default 10,000 ms).
   */
  readonly maxUnprovenMs?: number
  /**
   * Longest `batches()` reads one node that keeps it behind an index another node proved
   * finalized (default 10,000 ms); it learns such an index from the next node's verified last
   * finalization at the start and every this many ms (one request and one pairing each). A node
   * that serves valid pages only slowly is left this way (see `lagWatch.ts`).
   */
  readonly maxBehindMs?: number
  /**
   * Told each time `batches()` gives up on a node's answer (then reads from the next node, or
   * retries the pinned one) and why: a NodeHttpError (down, 5xx, timeout, `ResponseTooLarge`),
   * a ProofError (a fork or a bad proof), an UnprovenPagesError or a LaggingNodeError.
   * Default: `console.warn`.
   */
  readonly onWarning?: (error: ZellularError, node: string) => void
}

export interface RequestOptions {
  /** Aborts the request; the method then rejects with the signal's reason. */
  readonly signal?: AbortSignal
}

export interface BatchesParameters {
  /** Index of the last batch already processed; the stream starts at `after + 1` (default 0). */
  readonly after?: number
  /** Chaining hash at `after`, if known; otherwise the resume trick fetches it (see §3). */
  readonly chainingHash?: string
  /** Last finalization index at or before `after`, if known, to check the first parent link. */
  readonly finalizedIndex?: number
  /** Ends the stream (without an error) when aborted. */
  readonly signal?: AbortSignal
  /** Read from this node (operator id) only, never rotating: to audit one node's history. */
  readonly node?: string
  /** Read from this node (operator id) first, moving on from it as from any other. */
  readonly startAt?: string
}

/** Per-app progress a node reports in `/node/state`. */
export interface AppProgress {
  readonly lastSequencedIndex: number
  readonly lastLockedIndex: number
  readonly lastFinalizedIndex: number
}

/** One operator's `/node/state`, or why it could not be had. */
export type NodeState =
  | {
      readonly id: string
      readonly socket: string
      readonly ok: true
      /** The node says it is the current sequencer. */
      readonly sequencer: boolean
      readonly sequencerId: string
      readonly version: string
      readonly apps: Readonly<Record<string, AppProgress>>
    }
  | { readonly id: string; readonly socket: string; readonly ok: false; readonly error: Error }

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_QUICK_ANSWER_MS = 1_500
/** How late after its wait a held read may start to answer before its node is left. */
const LONG_POLL_MARGIN_MS = 1_500
/** A held read's beat (`&beat=`): our nodes send a space this often while they hold it. */
const LONG_POLL_BEAT_MS = 500
/**
 * How long a held read may go without a byte (four beats) before its node is left as paused or
 * cut off, whatever its wait: it sends a space every beat while it holds. It also bounds the
 * answer's start, and a node builds a page whose batches are there before it sends any of it: a
 * full 25 MB page took 0.3–0.56 s to start on a quiet two-core host. A shorter bound would leave
 * nodes that are only slow under load, and a reader far behind could then never catch up.
 */
const LONG_POLL_SILENCE_MS = 4 * LONG_POLL_BEAT_MS
const DEFAULT_POLL_INTERVAL_MS = 50
const DEFAULT_MAX_BACKOFF_MS = 2_000
const DEFAULT_LONG_POLL_MS = 2_000
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
const DEFAULT_MAX_UNPROVEN_BATCHES = 100_000
const DEFAULT_MAX_UNPROVEN_BYTES = 64 * 1024 * 1024
const DEFAULT_MAX_UNPROVEN_PAGES = 8
const DEFAULT_MAX_UNPROVEN_MS = 10_000
const DEFAULT_MAX_BEHIND_MS = 10_000
/** How often one node may answer BatchesLimitExceeded before the next node is tried. */
const RATE_LIMIT_RETRIES = 5
/** 4xx codes that say "this node cannot take it", not "the request is wrong". */
const WRONG_NODE_CODES = new Set(['IsSequencerError', 'IsNotPostingNodeError'])

/**
 * Talks to a Zellular network for one app: posts batches to a healthy non-sequencer node with
 * failover, and streams finalized batches that it has verified itself (chaining hashes and BLS
 * finalization proofs against the network's operator keys), so no single node is trusted.
 *
 * @example
 * await initZellular()
 * const network = await loadNetwork('https://example.org/nodes.json', 67)
 * const client = new ZellularClient({ app: 'simple_app', network })
 * await client.send(JSON.stringify([{ tx_id: 'a', operation: 'foo' }]))
 * for await (const { index, body } of client.batches({ after: 0, signal })) {
 *   console.info(index, body)
 * }
 */
export class ZellularClient {
  readonly app: string
  readonly network: Network
  readonly timeoutMs: number
  readonly quickAnswerMs: number
  readonly pollIntervalMs: number
  readonly maxBackoffMs: number
  readonly longPollMs: number
  readonly longPollMaxMs: number
  readonly maxResponseBytes: number
  /**
   * Most batches one finalized page may hold: `pageBatchLimit(maxResponseBytes)`. A node's page
   * of n batches needs a page cap of (n - 1) × 256 (each costs at least that), and a reader whose
   * `maxResponseBytes` is under its nodes' page cap cannot read their full pages of ordinary
   * batches anyway: no page a node of ours sends a working reader reaches this. A zsequencer
   * page (cut by bytes alone) does only if its batches average under 256 bytes. A page of more
   * is refused (a ProofError) before any body is chained: 64 MiB holds ~22 million empty
   * batches, some 37 s of chaining.
   */
  readonly maxPageBatches: number
  readonly maxUnprovenBatches: number
  readonly maxUnprovenBytes: number
  readonly maxUnprovenPages: number
  readonly maxUnprovenMs: number
  readonly maxBehindMs: number
  readonly #transport: NodeTransport
  readonly #onWarning: (error: ZellularError, node: string) => void
  /** Node that took the last batch; kept until it fails. */
  #gateway: string | undefined
  readonly #readers: readonly Operator[]
  #readPosition: number

  constructor(parameters: ZellularClientParameters) {
    this.app = parameters.app
    this.network = parameters.network
    this.timeoutMs = parameters.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.quickAnswerMs = Math.min(
      parameters.quickAnswerMs ?? DEFAULT_QUICK_ANSWER_MS,
      this.timeoutMs,
    )
    this.pollIntervalMs = parameters.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
    const maxBackoffMs = parameters.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS
    this.maxBackoffMs = Math.max(maxBackoffMs, this.pollIntervalMs)
    const longPollMs = parameters.longPollMs ?? DEFAULT_LONG_POLL_MS
    this.longPollMs = Math.max(0, Math.min(longPollMs, Math.floor(this.timeoutMs / 2)))
    const longPollMaxMs = parameters.longPollMaxMs ?? this.longPollMs
    this.longPollMaxMs = Math.max(
      this.longPollMs,
      Math.min(longPollMaxMs, Math.floor(this.timeoutMs / 2)),
    )
    this.maxResponseBytes = parameters.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
    this.maxPageBatches = pageBatchLimit(this.maxResponseBytes)
    this.maxUnprovenBatches = parameters.maxUnprovenBatches ?? DEFAULT_MAX_UNPROVEN_BATCHES
    this.maxUnprovenBytes = parameters.maxUnprovenBytes ?? DEFAULT_MAX_UNPROVEN_BYTES
    this.maxUnprovenPages = parameters.maxUnprovenPages ?? DEFAULT_MAX_UNPROVEN_PAGES
    this.maxUnprovenMs = parameters.maxUnprovenMs ?? DEFAULT_MAX_UNPROVEN_MS
    this.maxBehindMs = parameters.maxBehindMs ?? DEFAULT_MAX_BEHIND_MS
    this.#onWarning =
      parameters.onWarning ??
      ((error, node) => {
        const line = `zellular ${this.app}: node ${node}: ${error.name}: ${error.message}`
        console.warn(line) // tidy: allow the default warning hook of an I/O module
      })
    // Keep the global fetch bound to the global object; browsers refuse other receivers.
    this.#transport =
      parameters.transport ??
      fetchTransport(parameters.fetch ?? ((input, init) => globalThis.fetch(input, init)))
    this.#readers = [...this.network.operators.values()]
    if (this.#readers.length === 0) throw new RangeError('the network has no operators')
    this.#readPosition = Math.floor(randomFraction() * this.#readers.length)
  }

  /** Id of the node batches are currently posted to, if one has been chosen. */
  get gateway(): string | undefined {
    return this.#gateway
  }

  /**
   * Posts one batch (`PUT /node/{app}/batches`, raw `text/plain` body). The node is the cached
   * gateway, else one chosen from `/node/state`: not the sequencer, knowing the app. A node that
   * is unreachable, does not start to answer within `quickAnswerMs`, times out, answers 5xx
   * (503 NotSynced, IsPaused included) or says it cannot take batches is replaced by the next;
   * 429 BatchesLimitExceeded is retried after a pause; any other 4xx (400 unknown app, 429
   * BatchSizeExceeded, 422) is thrown at once.
   *
   * Delivery is at least once: a node that times out may still have queued the batch, and
   * zsequencer does not de-duplicate. Resolving means one node accepted it, not finalized.
   * @throws NodeHttpError for a client error; NoAvailableNodeError when every node failed.
   * @example
   * await client.send('[{"tx_id": "a", "operation": "foo"}]')
   */
  async send(batch: string, options: RequestOptions = {}): Promise<void> {
    if (typeof batch !== 'string') throw new TypeError('a batch is a string')
    const path = `/node/${encodeURIComponent(this.app)}/batches`
    await this.#submit(path, batch, 'text/plain', options.signal)
  }

  /**
   * Posts several batches in one request (`PUT /node/batches`, `{app: [...]}`), with the same
   * node choice and failover as `send`. zsequencer silently drops over-size batches here.
   */
  async sendBulk(batches: readonly string[], options: RequestOptions = {}): Promise<void> {
    if (!batches.every((batch) => typeof batch === 'string')) {
      throw new TypeError('a batch is a string')
    }
    if (batches.length === 0) return
    const body = JSON.stringify({ [this.app]: batches })
    await this.#submit('/node/batches', body, 'application/json', options.signal)
  }

  /**
   * Streams finalized batches in index order, each released only after the page verifier has
   * checked its chaining hash and the covering finalization proof. Reads
   * `GET /node/{app}/batches/finalized?after=N&wait=longPollMs`: a node of ours holds a read that
   * finds nothing new until the next finalization (a long-poll), so a batch arrives as soon as
   * it is final (the wait grows to longPollMaxMs while nothing comes); zsequencer ignores `wait`
   * and answers at once. When nothing is new the client
   * pauses (pollIntervalMs, doubling to maxBackoffMs) less the time the node held the read, so
   * against a plain v0.1.7 node this is polling without a busy loop, and it moves to another
   * node once the pause is at its longest. Unreachable nodes, 5xx, answers over
   * maxResponseBytes, nodes whose pages fail verification (a fork, a bad proof) and nodes that
   * serve chained pages without a proof past the maxUnproven* limits are left for the next node,
   * with a pause, dropping everything unproven they sent: the next node is read from the last
   * released index. So is a node that keeps the reader behind an index another node proved
   * finalized for maxBehindMs (`lagWatch.ts`), at once, keeping what it proved. Each is
   * reported to `onWarning`. Other 4xx answers are thrown. With `node`
   * set there is no next node: a ProofError, UnprovenPagesError or over-size answer is thrown,
   * other failures are retried. Ends when `signal` aborts, mid-page too: the page verifier works
   * in slices, yielding to the event loop between them, and stops at the next one.
   * @example
   * const controller = new AbortController()
   * for await (const batch of client.batches({ after: 120, signal: controller.signal })) {
   *   apply(batch.index, batch.body)
   * }
   */
  async *batches(
    parameters: BatchesParameters = {},
  ): AsyncGenerator<VerifiedBatch, void, undefined> {
    const { signal } = parameters
    const verifier = this.#pageVerifier(parameters)
    // Grows while reads are held whole with nothing new (`longPollMaxMs`).
    let waitMs = this.longPollMs
    const pinned = this.#pinnedNode(parameters.node)
    if (parameters.startAt !== undefined) this.#startReadingAt(parameters.startAt)
    let streak = NO_STREAK
    const lag = pinned ? undefined : this.#lagOf(verifier, signal)
    // Unproven bodies are only trusted to chain on with pages from the node that sent them.
    const switchNode = () => {
      verifier.discardUnverified()
      streak = NO_STREAK
      if (!pinned) this.#rotateReader()
      lag?.restart()
    }
    let pause = this.pollIntervalMs
    try {
      while (!signal?.aborted) {
        lag?.probe()
        const after = verifier.nextAfter
        const node = pinned ?? this.#reader()
        let released: VerifiedBatch[]
        let heldMs: number
        try {
          const started = performance.now()
          const data = await this.#readPage(node, this.#finalizedAfter(after), waitMs, signal)
          released = await verifier.consume(data, after, { signal })
          heldMs = performance.now() - started
          streak = this.#unprovenStreak(streak, released, verifier, heldMs)
        } catch (error) {
          if (signal?.aborted) return
          this.#readFailed(error, node, pinned !== undefined)
          switchNode()
          waitMs = this.longPollMs
          await sleep(pause, signal)
          pause = Math.min(pause * 2, this.maxBackoffMs)
          continue
        }
        const lagging = lag?.leftBehind(node) === true
        if (lagging) switchNode()
        if (!lagging && released.length === 0 && verifier.nextAfter === after) {
          // Nothing new. A node still silent at the longest pause may be lagging: try another.
          // So may a node that held the read for its whole wait: at worst one wait is lost to it.
          const heldWhole = waitMs > 0 && heldMs >= waitMs
          if (pause >= this.maxBackoffMs || heldWhole) switchNode()
          if (heldWhole) waitMs = Math.min(waitMs * 2, this.longPollMaxMs)
          // A node that held the read (a long-poll) has already made the pause.
          const rest = Math.max(0, pause - heldMs)
          if (rest > 0) await sleep(rest, signal)
          // Waiting on a node that holds back the proof for what it sent counts against it.
          if (streak.pages > 0) streak = { pages: streak.pages, ms: streak.ms + rest }
          pause = Math.min(pause * 2, this.maxBackoffMs)
          continue
        }
        pause = this.pollIntervalMs
        waitMs = this.longPollMs
        for (const batch of released) {
          if (signal?.aborted) return
          lag?.pause()
          yield batch
          lag?.resume()
        }
      }
    } finally {
      lag?.stop()
    }
  }

  /** The path of the finalized page after `after`. */
  #finalizedAfter(after: number): string {
    return `/node/${encodeURIComponent(this.app)}/batches/finalized?after=${after}`
  }

  /** The node `id` a stream is pinned to (`BatchesParameters.node`), if any. */
  #pinnedNode(id: string | undefined): Operator | undefined {
    if (id === undefined) return undefined
    const operator = this.network.operator(id)
    if (!operator) throw new RangeError('unknown node to read from')
    return operator
  }

  /**
   * A page read from `node` failed: throws what the stream cannot go on from, else reports it,
   * and the stream moves to another node.
   */
  #readFailed(error: unknown, node: Operator, pinned: boolean): void {
    if (classify(error) === 'fatal') throw error
    // A node that lies or stalls is the finding of an audit; a node that is down is not.
    if (pinned && isNodeFault(error)) throw error
    // Down, failing, lying (a ProofError) or stalling (an UnprovenPagesError): another node.
    this.#onWarning(error as ZellularError, node.id)
  }

  /**
   * One stream's watch on its node (`lagWatch.ts`): the network's finalized index, learnt from
   * the other nodes' proofs in turn, to leave a node that keeps the stream behind it; none with
   * no other node to ask. `stop` drops a question still under way, of no use to anyone then.
   */
  #lagOf(verifier: PageVerifier, signal: AbortSignal | undefined) {
    if (this.#readers.length < 2) return undefined
    const lag = new LagWatch(this.maxBehindMs)
    const stop = new AbortController()
    const probeSignal = AbortSignal.any([stop.signal, ...(signal ? [signal] : [])])
    let probes = 0
    return {
      probe: () => {
        if (!lag.probeDue(performance.now())) return
        const learn = (index: number | undefined) =>
          lag.learn(index, verifier.checkpoint.index, performance.now())
        const other = this.#otherReader(probes++)
        this.#provenFinalized(other, probeSignal).then(learn, () => learn(undefined))
      },
      /**
       * Whether `node` kept the stream behind too long: then it is reported, to be left (valid
       * but too little, too slowly: what it proved is kept, the rest is read elsewhere).
       */
      leftBehind: (node: Operator) => {
        const position = verifier.checkpoint.index
        if (!lag.overdue(position, performance.now())) return false
        const finalized = `${lag.known} is proven finalized`
        const message = `the reader stayed behind at ${position} for ${this.maxBehindMs} ms`
        this.#onWarning(new LaggingNodeError(`${message}; ${finalized}`), node.id)
        return true
      },
      restart: () => lag.restart(verifier.checkpoint.index, performance.now()),
      pause: () => lag.pause(performance.now()),
      resume: () => lag.resume(performance.now()),
      stop: () => stop.abort(),
    }
  }

  /** The verifier of one `batches()` stream, from where it starts. */
  #pageVerifier(parameters: BatchesParameters): PageVerifier {
    return new PageVerifier({
      network: this.network,
      app: this.app,
      after: parameters.after ?? 0,
      chainingHash: parameters.chainingHash,
      finalizedIndex: parameters.finalizedIndex,
      maxBufferedBatches: this.maxUnprovenBatches,
      maxBufferedBytes: this.maxUnprovenBytes,
      maxPageBatches: this.maxPageBatches,
    })
  }

  /**
   * The run of answers from one node that left batches unproven, extended by one answer that
   * took `ms` to read; none once a proof released something or nothing is held.
   * @throws UnprovenPagesError when the run reaches maxUnprovenPages or maxUnprovenMs.
   */
  #unprovenStreak(
    streak: UnprovenStreak,
    released: readonly VerifiedBatch[],
    verifier: PageVerifier,
    ms: number,
  ): UnprovenStreak {
    if (released.length > 0 || verifier.bufferedCount === 0) return NO_STREAK
    const pages = streak.pages + 1
    const total = streak.ms + ms
    const held = `${verifier.bufferedCount} batches after ${verifier.checkpoint.index} held`
    if (pages >= this.maxUnprovenPages) {
      throw new UnprovenPagesError('pages', `${pages} answers in a row without a proof; ${held}`)
    }
    if (total >= this.maxUnprovenMs) {
      const spent = `${Math.round(total)} ms`
      throw new UnprovenPagesError('time', `no proof within ${spent} of reading; ${held}`)
    }
    return { pages, ms: total }
  }

  /**
   * The last finalized batch (`GET /node/{app}/batches/finalized/last`) with its finalization
   * proof verified, in either wire format; `null` when the node has finalized nothing. The body
   * is as the node sent it: the proof covers the chaining hash, not the body on its own.
   * @throws NodeHttpError for a client error; NoAvailableNodeError when no node gave a valid one.
   */
  async lastFinalized(options: RequestOptions = {}): Promise<LastFinalized | null> {
    const path = `/node/${encodeURIComponent(this.app)}/batches/finalized/last`
    let lastError: unknown
    for (let attempt = 0; attempt < this.#readers.length; attempt++) {
      try {
        const data = await this.#call(this.#reader(), 'GET', path, options)
        return verifyLastFinalized(this.network, this.app, data)
      } catch (error) {
        if (options.signal?.aborted || classify(error) === 'fatal') throw error
        lastError = error
        this.#rotateReader()
      }
    }
    throw new NoAvailableNodeError(`no node gave a valid last finalized batch of ${this.app}`, {
      cause: lastError,
    })
  }

  /**
   * `GET /node/state` of every operator, in parallel, each answering within `quickAnswerMs`
   * and done within `timeoutMs`. A node that cannot be reached, answers badly or reports another
   * node id yields `ok: false`.
   */
  async nodeStates(options: RequestOptions = {}): Promise<NodeState[]> {
    return Promise.all(this.#readers.map((operator) => this.#nodeState(operator, options.signal)))
  }

  async #nodeState(operator: Operator, signal: AbortSignal | undefined): Promise<NodeState> {
    const { id, socket } = operator
    try {
      const data = await this.#call(operator, 'GET', '/node/state', {
        signal,
        lossless: true,
        answerWithinMs: this.quickAnswerMs,
      })
      const parsed = nodeStateSchema.safeParse(data)
      const url = `${socket}/node/state`
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        const where = issue?.path.join('.') ?? ''
        throw new NodeHttpError(url, 200, 'InvalidResponse', `${where}: ${issue?.message}`)
      }
      const state = parsed.data
      if (state.node_id !== undefined && state.node_id.toLowerCase() !== id) {
        throw new NodeHttpError(url, 200, 'WrongNode', `the node says it is ${state.node_id}`)
      }
      const apps: Record<string, AppProgress> = {}
      for (const [name, app] of Object.entries(state.apps)) {
        apps[name] = {
          lastSequencedIndex: app.last_sequenced_index,
          lastLockedIndex: app.last_locked_index,
          lastFinalizedIndex: app.last_finalized_index,
        }
      }
      const { sequencer, sequencer_id: sequencerId, version } = state
      return { id, socket, ok: true, sequencer, sequencerId, version, apps }
    } catch (error) {
      if (signal?.aborted) throw error
      const reason = error instanceof Error ? error : new Error(String(error))
      return { id, socket, ok: false, error: reason }
    }
  }

  async #submit(path: string, body: string, contentType: string, signal?: AbortSignal) {
    const failed = new Set<string>()
    let ranking: string[] | undefined
    let rateLimited = 0
    let pause = this.pollIntervalMs
    let lastError: unknown
    for (;;) {
      signal?.throwIfAborted()
      let id = this.#gateway
      if (id === undefined || failed.has(id)) {
        ranking ??= await this.#rankSubmitNodes(failed, signal)
        id = ranking.find((candidate) => !failed.has(candidate))
        this.#gateway = id
        if (id === undefined) {
          throw new NoAvailableNodeError(`no node of the network accepted the ${this.app} batch`, {
            cause: lastError,
          })
        }
      }
      try {
        const operator = this.network.operators.get(id)!
        await this.#call(operator, 'PUT', path, {
          body,
          contentType,
          signal,
          answerWithinMs: this.quickAnswerMs,
        })
        return
      } catch (error) {
        if (signal?.aborted) throw error
        const kind = classify(error)
        if (kind === 'fatal') throw error
        lastError = error
        if (kind === 'rate_limited' && ++rateLimited <= RATE_LIMIT_RETRIES) {
          await sleep(pause, signal)
          pause = Math.min(pause * 2, this.maxBackoffMs)
          continue
        }
        rateLimited = 0
        failed.add(id)
      }
    }
  }

  /**
   * Posting nodes to try, best first: reachable non-sequencers that know the app (shuffled, to
   * spread clients), then nodes whose state is unknown, then the sequencer as a last resort
   * (it accepts batches too, under its own rate limit; a one-node network has nothing else).
   * Those that just `failed` this batch are not asked again: a paused one would hold the
   * ranking as long as it held the batch.
   */
  async #rankSubmitNodes(
    failed: ReadonlySet<string>,
    signal: AbortSignal | undefined,
  ): Promise<string[]> {
    const posting = this.network.withRole('posting').filter(({ id }) => !failed.has(id))
    const states = await Promise.all(posting.map((operator) => this.#nodeState(operator, signal)))
    const preferred: string[] = []
    const unknown: string[] = []
    const sequencers: string[] = []
    for (const state of states) {
      if (!state.ok || !Object.hasOwn(state.apps, this.app)) unknown.push(state.id)
      else if (state.sequencer) sequencers.push(state.id)
      else preferred.push(state.id)
    }
    return [...shuffle(preferred), ...shuffle(unknown), ...sequencers]
  }

  /**
   * One page read, held up to `waitMs` (`&wait=`) by a node of ours, which sends a space every
   * beat while it holds (`&beat=`). A held read is answered by the end of its wait: one still
   * silent a margin later, or silent for a few beats at any time, is from a paused or cut-off
   * node, left now rather than at the request timeout. zsequencer ignores both parameters and
   * answers at once.
   */
  #readPage(
    node: Operator,
    path: string,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    if (waitMs === 0) return this.#call(node, 'GET', path, { signal })
    return this.#call(node, 'GET', `${path}&wait=${waitMs}&beat=${LONG_POLL_BEAT_MS}`, {
      signal,
      answerWithinMs: waitMs + LONG_POLL_MARGIN_MS,
      silenceMs: LONG_POLL_SILENCE_MS,
    })
  }

  #reader(): Operator {
    return this.#readers[this.#readPosition % this.#readers.length]!
  }

  #startReadingAt(id: string): void {
    const position = this.#readers.findIndex((operator) => operator.id === id.toLowerCase())
    if (position < 0) throw new RangeError('unknown node to start reading from')
    this.#readPosition = position
  }

  /** The `n`th of the nodes other than the current reader, in turn. */
  #otherReader(n: number): Operator {
    const others = this.#readers.length - 1
    return this.#readers[(this.#readPosition + 1 + (n % others)) % this.#readers.length]!
  }

  /**
   * The finalized index `node` proves (its last finalization, whose proof is verified: one
   * pairing), 0 when it has none, or undefined when it gives none that checks out. A probe for
   * `LagWatch`: failures are not the reader's concern and not reported.
   */
  async #provenFinalized(node: Operator, signal: AbortSignal): Promise<number | undefined> {
    const path = `/node/${encodeURIComponent(this.app)}/batches/finalized/last`
    try {
      const data = await this.#call(node, 'GET', path, { signal })
      return verifyLastFinalized(this.network, this.app, data)?.index ?? 0
    } catch {
      return undefined
    }
  }

  #rotateReader(): void {
    this.#readPosition = (this.#readPosition + 1) % this.#readers.length
  }

  /** One request to one node: the success envelope's `data`, or a NodeHttpError. */
  async #call(
    operator: Operator,
    method: 'GET' | 'PUT',
    path: string,
    options: {
      body?: string
      contentType?: string
      signal?: AbortSignal
      lossless?: boolean
      /** Abort unless the answer starts (status and headers) within this many ms. */
      answerWithinMs?: number | undefined
      /** Abort when the node sends nothing for this many ms: before its answer or within it. */
      silenceMs?: number | undefined
    },
  ): Promise<unknown> {
    const url = operator.socket + path
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const firstByte = new AbortController()
    const silence = silenceWatch(options.silenceMs)
    const signals = [timeout, firstByte.signal, silence.signal]
    const signal = AbortSignal.any(options.signal ? [...signals, options.signal] : signals)
    const waitMs = Math.min(options.answerWithinMs ?? this.timeoutMs, this.timeoutMs)
    const firstByteTimer =
      waitMs < this.timeoutMs ? setTimeout(() => firstByte.abort(), waitMs) : undefined
    let answer: NodeTransportAnswer
    try {
      answer = await this.#transport({
        method,
        url,
        body: options.body,
        contentType: options.contentType,
        signal,
        maxBytes: this.maxResponseBytes,
        onAnswerStart: () => {
          clearTimeout(firstByteTimer)
          silence.heard()
        },
        onBytes: silence.heard,
      })
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      const failure = timeout.aborted
        ? new NodeHttpError(url, 0, 'TimeoutError', `no answer within ${this.timeoutMs} ms`)
        : firstByte.signal.aborted
          ? new NodeHttpError(url, 0, 'TimeoutError', `no answer within ${waitMs} ms`)
          : silence.signal.aborted
            ? new NodeHttpError(url, 0, 'TimeoutError', `node silent for ${options.silenceMs} ms`)
            : new NodeHttpError(url, 0, 'NetworkError', describe(error))
      failure.cause = error
      throw failure
    } finally {
      clearTimeout(firstByteTimer)
      silence.stop()
    }
    if ('tooLarge' in answer) throw tooLargeError(url, answer, this.maxResponseBytes)
    const { status, text } = answer
    if (status < 200 || status > 299) throw parseErrorResponse(url, status, text)
    return parseSuccessResponse(url, status, text, options.lossless ?? false)
  }
}

/**
 * Loads a nodes file and builds the `Network` that verifies its proofs. `source` is an http(s)
 * URL (fetched), a file path or `file:` URL (read with a dynamic `node:fs` import, so browser
 * bundles never load it), or an already parsed nodes file. Key coordinates are parsed
 * losslessly. The threshold must not exceed the network's own (zsequencer's e2e uses 67).
 * @example
 * const network = await loadNetwork('./nodes.json', 67)
 */
export async function loadNetwork(
  source: string | NodesFile,
  thresholdPercent = 67,
  options: {
    readonly fetch?: typeof fetch
    readonly timeoutMs?: number
    /** Most bytes read of the nodes file (default 64 MiB). */
    readonly maxResponseBytes?: number
  } = {},
): Promise<Network> {
  if (typeof source !== 'string') {
    return new Network(nodesFileSchema.parse(source), thresholdPercent)
  }
  if (/^https?:\/\//i.test(source)) {
    const transport = fetchTransport(
      options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    )
    const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
    const answer = await transport({
      method: 'GET',
      url: source,
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      maxBytes,
      onAnswerStart: () => {},
    })
    if ('tooLarge' in answer) throw tooLargeError(source, answer, maxBytes)
    if (answer.status < 200 || answer.status > 299) {
      throw parseErrorResponse(source, answer.status, answer.text)
    }
    return new Network(parseNodesFile(answer.text), thresholdPercent)
  }
  // A variable specifier keeps bundlers from resolving node:fs for the browser.
  const fsModule = 'node:fs/promises'
  const fs = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises')
  const path = /^file:/i.test(source) ? new URL(source) : source
  return new Network(parseNodesFile(await fs.readFile(path, 'utf8')), thresholdPercent)
}

const appProgressSchema = z.object({
  last_sequenced_index: z.number().int().nonnegative().default(0),
  last_locked_index: z.number().int().nonnegative().default(0),
  last_finalized_index: z.number().int().nonnegative().default(0),
})

const nodeStateSchema = z.object({
  sequencer: z.boolean(),
  version: z.string(),
  sequencer_id: z.string(),
  node_id: z.string().optional(),
  apps: z.record(z.string(), appProgressSchema).default({}),
})

/** Answers in a row from one node that left batches unproven, and the time spent on them. */
interface UnprovenStreak {
  readonly pages: number
  readonly ms: number
}

const NO_STREAK: UnprovenStreak = { pages: 0, ms: 0 }

/** NodeHttpError code of an answer cut at maxResponseBytes. */
const TOO_LARGE = 'ResponseTooLarge'

type FailureKind = 'fatal' | 'rotate' | 'rate_limited'

/** What to do after a failed request: give up, try another node, or wait and retry. */
function classify(error: unknown): FailureKind {
  if (error instanceof ProofError || error instanceof UnprovenPagesError) return 'rotate'
  // Anything else (an abort reason, a bug) is not the node's fault.
  if (!(error instanceof NodeHttpError)) return 'fatal'
  const { status, code } = error
  if (code === TOO_LARGE) return 'rotate'
  if (status === 429 && code === 'BatchesLimitExceededError') return 'rate_limited'
  if (status >= 400 && status <= 499) return WRONG_NODE_CODES.has(code) ? 'rotate' : 'fatal'
  // 0 (unreachable or timed out), 5xx, or a 2xx that is not a success envelope.
  return 'rotate'
}

/** The node misbehaved (rather than being down or busy): a fork, a stall or a flood. */
function isNodeFault(error: unknown): boolean {
  if (error instanceof ProofError || error instanceof UnprovenPagesError) return true
  return error instanceof NodeHttpError && error.code === TOO_LARGE
}

function tooLargeError(url: string, answer: { status: number; tooLarge: string }, max: number) {
  return new NodeHttpError(url, answer.status, TOO_LARGE, `${answer.tooLarge} bytes, over ${max}`)
}

/** One HTTP exchange with a node, for `ZellularClient` (`ZellularClientParameters.transport`). */
export type NodeTransport = (request: NodeTransportRequest) => Promise<NodeTransportAnswer>

export interface NodeTransportRequest {
  readonly method: 'GET' | 'PUT'
  readonly url: string
  readonly body?: string | undefined
  readonly contentType?: string | undefined
  /** Ends the exchange (a timeout, or the caller): the transport rejects then. */
  readonly signal: AbortSignal
  /** Most bytes of the answer read: past them the connection is dropped, the answer `tooLarge`. */
  readonly maxBytes: number
  /** Called when the answer's status and headers arrive. */
  readonly onAnswerStart: () => void
  /** Called as each chunk of the answer's body arrives (the client times the silences). */
  readonly onBytes?: () => void
}

/**
 * A signal that aborts once `ms` pass without a call to `heard` (never when `ms` is undefined):
 * the silence of a node that stopped sending, before its answer or within it.
 */
function silenceWatch(ms: number | undefined) {
  const silent = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const heard = () => {
    if (ms === undefined) return
    clearTimeout(timer)
    timer = setTimeout(() => silent.abort(), ms)
  }
  heard()
  return { signal: silent.signal, heard, stop: () => clearTimeout(timer) }
}

/** The status and body, or how big an answer over the cap was (`at least 70000000`). */
export type NodeTransportAnswer =
  | { readonly status: number; readonly text: string }
  | { readonly status: number; readonly tooLarge: string }

/**
 * The transport over `fetch`: the body read chunk by chunk and cut (the connection dropped) once
 * it passes `maxBytes`, so a node cannot make the client hold an answer of any size.
 */
export function fetchTransport(doFetch: typeof fetch): NodeTransport {
  return async (request) => {
    const response = await doFetch(request.url, {
      method: request.method,
      body: request.body,
      headers: request.contentType ? { 'Content-Type': request.contentType } : {},
      signal: request.signal,
    })
    request.onAnswerStart()
    const { status } = response
    const declared = Number(response.headers.get('content-length') ?? 0)
    if (declared > request.maxBytes) {
      response.body?.cancel().catch(() => {})
      return { status, tooLarge: String(declared) }
    }
    const read = await readCappedText(response.body, request.maxBytes, request.onBytes)
    if ('tooLarge' in read) return { status, tooLarge: `at least ${read.tooLarge}` }
    return { status, text: read.text }
  }
}

function parseSuccessResponse(url: string, status: number, text: string, lossless: boolean) {
  let envelope: unknown
  try {
    envelope = lossless ? parseJsonLosslessly(text) : JSON.parse(text)
  } catch {
    throw new NodeHttpError(url, status, 'InvalidResponse', 'the answer is not JSON')
  }
  if (!isRecord(envelope) || envelope['status'] !== 'success' || !('data' in envelope)) {
    throw new NodeHttpError(url, status, 'InvalidResponse', 'the answer is not a success envelope')
  }
  return envelope['data']
}

/**
 * Maps zsequencer's error envelope `{status: "error", error: {code, message}}`, FastAPI's 422
 * `{detail: [...]}` and anything else (plain-text 500s) to one NodeHttpError.
 */
function parseErrorResponse(url: string, status: number, text: string): NodeHttpError {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return new NodeHttpError(url, status, 'HTTPError', text.slice(0, 200))
  }
  if (isRecord(body) && body['status'] === 'error' && isRecord(body['error'])) {
    const { code, message } = body['error']
    return new NodeHttpError(url, status, String(code ?? 'HTTPError'), String(message ?? ''))
  }
  if (isRecord(body) && Array.isArray(body['detail'])) {
    const issues = body['detail'].map((issue: unknown) =>
      isRecord(issue) && Array.isArray(issue['loc'])
        ? `${issue['loc'].join('.')}: ${String(issue['msg'])}`
        : JSON.stringify(issue),
    )
    return new NodeHttpError(url, status, 'RequestValidationError', issues.join('; '))
  }
  if (isRecord(body) && typeof body['detail'] === 'string') {
    return new NodeHttpError(url, status, 'HTTPError', body['detail'])
  }
  return new NodeHttpError(url, status, 'HTTPError', text.slice(0, 200))
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // Node's fetch hides the socket error (ECONNREFUSED, …) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return error.message + cause
}

/** A uniform number in [0, 1) from the platform CSPRNG (Node 20 and browsers). */
function randomFraction(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32
}

function shuffle<T>(items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(randomFraction() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
