import { BatchQueue } from './batchQueue.ts'
import { ZsequencerHttpError } from './httpErrors.ts'
import { addOne, removeOne, type Multiset } from './multiset.ts'
import { batchCostBytes, isOversizeBatch } from './rateLimiter.ts'

/**
 * Cut pages a follower reads, after a failed PUT, before it sends that PUT's batches again
 * without knowing whether the sequencer took them: enough to catch up on a few pages of news.
 */
const uncertainCutPagesMax = 8

/** Client batches for one app, as a request brings them. */
export interface AppBatches {
  readonly app: string
  readonly bodies: readonly string[]
}

export interface OutboxLimits {
  readonly maxQueuedKbPerApp: number
  readonly maxQueuedKb: number
  readonly maxBatchSizeKb: number
  /** The share of each cap one client may hold (`NodeConfig.clientSharePercent`). */
  readonly clientSharePercent: number
  /** The sequencer's request cap (ours, too): what one take may hold (`take`). */
  readonly maxRequestKb: number
  readonly maxBatchesPerRequest: number
}

/** Room kept in a PUT to the sequencer for its fields besides the batches and the app's name. */
const PUT_ENVELOPE_BYTES = 1024

/** Whom a forwarded censored sample (`probe`) is queued as: no client address looks like it. */
const PROBES = '#probes'

/**
 * The client batches a follower holds for its sequencer ("initialized" in zsequencer), and what
 * it remembers about the ones it sent: which the sequencer has not yet echoed (the censorship
 * check), which are not yet finalized (re-sent after a switch, since zsequencer loses them),
 * which the sequencer may or may not have (a PUT that failed, a switch that re-queued them),
 * and which are other nodes' censored samples forwarded once as probes.
 */
export class Outbox {
  readonly #queues = new Map<string, BatchQueue>()
  /** Bodies sent to the sequencer and not yet seen in one of its answers. */
  readonly #awaitingEcho = new Map<string, Multiset>()
  /** Bodies forwarded (or sequenced by this node itself) and not yet seen finalized. */
  readonly #unfinalizedSent = new Map<string, Multiset>()
  /** Queued bodies the sequencer may hold already: their PUT failed, or a switch re-queued them. */
  readonly #uncertain = new Map<string, Multiset>()
  /** Cut pages answered since bodies became uncertain (`resolveUncertain`). */
  readonly #cutPagesSinceUncertain = new Map<string, number>()
  /** Censored samples from other nodes' disputes, forwarded once to test the sequencer. */
  readonly #probes = new Map<string, Set<string>>()
  readonly #censoredApps = new Set<string>()

  constructor(private readonly limits: OutboxLimits) {}

  addApp(app: string): void {
    if (this.#queues.has(app)) return
    this.#queues.set(app, new BatchQueue())
    this.#awaitingEcho.set(app, new Map())
    this.#unfinalizedSent.set(app, new Map())
    this.#uncertain.set(app, new Map())
    this.#probes.set(app, new Set())
  }

  /**
   * Queues `client`'s batches (`clientKey`) for their apps, all or none, within the per-app and
   * total caps and the client's share of each (zsequencer has none): one address cannot fill a
   * node's queue and so refuse everyone else. None on a refusal, since the client then sends
   * the whole request again and Zellular does not deduplicate.
   */
  enqueue(client: string, batches: readonly AppBatches[]): void {
    const refusal = this.refusal(client, batches)
    if (refusal !== null) throw new ZsequencerHttpError('BatchesLimitExceededError', refusal)
    for (const { app, bodies } of batches) this.queue(app).push(client, bodies)
  }

  /** Why `client`'s `batches` would pass a cap or its share of one, or null if they fit. */
  private refusal(client: string, batches: readonly AppBatches[]): string | null {
    const { maxQueuedKbPerApp, maxQueuedKb, clientSharePercent } = this.limits
    const share = clientSharePercent / 100
    let incoming = 0
    for (const { app, bodies } of batches) {
      const queue = this.queue(app)
      const bytes = bodies.reduce((sum, body) => sum + batchCostBytes(body), 0)
      incoming += bytes
      if (queue.bytes + bytes > maxQueuedKbPerApp * 1024) return `The queue of ${app} is full.`
      if (queue.clientBytes(client) + bytes > share * maxQueuedKbPerApp * 1024) {
        return `Your share of ${app} is full.`
      }
    }
    if (this.queuedBytes() + incoming > maxQueuedKb * 1024) return 'The node queue is full.'
    if (this.clientBytes(client) + incoming > share * maxQueuedKb * 1024) {
      return 'Your share of the node is full.'
    }
    return null
  }

  /** The cost (`batchCostBytes`) of what `client` has queued over all apps. */
  private clientBytes(client: string): number {
    let total = 0
    for (const queue of this.#queues.values()) total += queue.clientBytes(client)
    return total
  }

  /** What `app` has queued, in the order it goes out. */
  queued(app: string): readonly string[] {
    return this.queue(app).toArray()
  }

  /** The cost (`batchCostBytes`) of what is queued for `app`, or over all apps. */
  queuedBytes(app?: string): number {
    if (app !== undefined) return this.queue(app).bytes
    let total = 0
    for (const queue of this.#queues.values()) total += queue.bytes
    return total
  }

  /**
   * Takes queued bodies, clients in turn, while their total cost stays within `budgetKb` and a
   * PUT carrying them stays within the sequencer's request cap, in bytes and in batches: over
   * it, the sequencer refuses the PUT, and this node would count it as down.
   */
  take(app: string, budgetKb: number): string[] {
    const { maxRequestKb, maxBatchesPerRequest } = this.limits
    const envelope = PUT_ENVELOPE_BYTES + Buffer.byteLength(JSON.stringify(app), 'utf8')
    return this.queue(app).takeWithinKb(budgetKb, {
      maxBatches: maxBatchesPerRequest,
      maxJsonBytes: maxRequestKb * 1024 - envelope,
    })
  }

  /**
   * Takes everything queued for `app`: this node became the sequencer, so what it sequences
   * decides, and nothing is uncertain any more.
   */
  takeAll(app: string): string[] {
    this.#uncertain.get(app)!.clear()
    this.#cutPagesSinceUncertain.delete(app)
    return this.queue(app).takeAll()
  }

  /**
   * A PUT that failed may still have been sequenced (the sequencer can die after sequencing and
   * before answering), so the bodies go back to the front marked uncertain; a switch drops them
   * if the adopted locked prefix already holds them.
   */
  requeueUncertain(app: string, bodies: readonly string[]): void {
    this.queue(app).pushFront(bodies)
    this.markUncertain(app, bodies)
  }

  /** Queued `bodies` wait for the sequencer's next answers to show whether it holds them. */
  private markUncertain(app: string, bodies: readonly string[]): void {
    if (bodies.length === 0) return
    const uncertain = this.#uncertain.get(app)!
    for (const body of bodies) addOne(uncertain, body)
    this.#cutPagesSinceUncertain.delete(app)
  }

  /** Whether bodies of `app` wait to learn if a failed PUT delivered them (`resolveUncertain`). */
  hasUncertain(app: string): boolean {
    return (this.#uncertain.get(app)?.size ?? 0) > 0
  }

  /**
   * What the sequencer answered after a PUT failed: uncertain bodies among its new batches
   * (`seen`) were taken after all, so their queued copies go (sent again, they would be
   * sequenced twice: Zellular does not deduplicate) and they await finalization as sent. Once an
   * uncut page (`complete`) lacks the rest, they were not taken and may go out again. Returns
   * whether anything was settled.
   */
  resolveUncertain(app: string, seen: readonly string[], complete: boolean): boolean {
    const uncertain = this.#uncertain.get(app)!
    if (uncertain.size === 0) return false
    // A Byzantine sequencer could keep every page cut and so keep these out of every PUT, where
    // no censorship check sees them: after a few cut pages they go out again (at least once).
    const cutPages = complete ? 0 : (this.#cutPagesSinceUncertain.get(app) ?? 0) + 1
    this.#cutPagesSinceUncertain.set(app, cutPages >= uncertainCutPagesMax ? 0 : cutPages)
    const taken: Multiset = new Map()
    for (const body of seen) if (removeOne(uncertain, body)) addOne(taken, body)
    if (taken.size > 0) {
      const probes = this.#probes.get(app)!
      const sent = this.#unfinalizedSent.get(app)!
      for (const [body, count] of taken) {
        if (probes.has(body)) continue
        for (let i = 0; i < count; i++) addOne(sent, body)
      }
      // The queued copies are at the front, where a failed PUT put them back.
      this.queue(app).rebuild([], (body) => !removeOne(taken, body))
    }
    if (complete || cutPages >= uncertainCutPagesMax) uncertain.clear()
    return true
  }

  /** The sequencer answered the PUT that carried `bodies`. */
  delivered(app: string, bodies: readonly string[]): void {
    const probes = this.#probes.get(app)!
    const sent = this.#unfinalizedSent.get(app)!
    const uncertain = this.#uncertain.get(app)!
    for (const body of bodies) {
      removeOne(uncertain, body)
      if (!probes.has(body)) addOne(sent, body)
    }
  }

  /** As the sequencer: client batches this node sequenced itself; only it has them until locked. */
  sequencedOwn(app: string, bodies: readonly string[]): void {
    const sent = this.#unfinalizedSent.get(app)!
    for (const body of bodies) addOne(sent, body)
  }

  /** Whether any sent body of `app` awaits finalization (so finalized bodies need a look). */
  hasUnfinalized(app: string): boolean {
    return (this.#unfinalizedSent.get(app)?.size ?? 0) > 0
  }

  /** Bodies of `app` were finalized: they need no re-sending after a switch. */
  finalized(app: string, bodies: Iterable<string>): void {
    const sent = this.#unfinalizedSent.get(app)!
    for (const body of bodies) {
      if (sent.size === 0) return
      removeOne(sent, body)
    }
  }

  /**
   * Censorship check. zsequencer compares the bodies just sent with the page returned, which
   * misfires when the page is cut by the size cap (its Q10). Here a sent body stays "awaiting"
   * until it appears in some answer; only when an uncut page still lacks it is the sequencer
   * censoring: the bodies go back to the queue and the app is marked. Returns how many bodies
   * the sequencer dropped.
   */
  checkEcho(
    app: string,
    sent: readonly string[],
    returned: readonly string[],
    complete: boolean,
  ): number {
    const awaiting = this.#awaitingEcho.get(app)!
    const probes = this.#probes.get(app)!
    for (const body of sent) addOne(awaiting, body)
    for (const body of returned) if (removeOne(awaiting, body)) probes.delete(body)
    if (!complete) return 0
    if (awaiting.size === 0) {
      this.#censoredApps.delete(app)
      return 0
    }
    const missing: string[] = []
    for (const [body, count] of awaiting) for (let i = 0; i < count; i++) missing.push(body)
    awaiting.clear()
    // A dropped probe proves censorship but is the disputing node's batch, not ours to resend.
    const own = missing.filter((body) => !probes.delete(body))
    const unfinalized = this.#unfinalizedSent.get(app)!
    for (const body of own) removeOne(unfinalized, body)
    this.queue(app).pushFront(own)
    this.#censoredApps.add(app)
    return missing.length
  }

  /** Apps whose batches the sequencer was seen dropping. */
  get censoredApps(): ReadonlySet<string> {
    return this.#censoredApps
  }

  /** The censored sample a dispute carries for `app`: its first queued body. */
  sample(app: string): string | undefined {
    return this.#queues.get(app)?.first()
  }

  /**
   * Another node's censored sample, forwarded once so this node tests the sequencer itself;
   * ignored if unknown, too large, already queued, sent or probing, or past the caps: probes
   * hold at most a client's share of them, so peers' disputes cannot fill the queue.
   */
  probe(app: string, body: string): void {
    const queue = this.#queues.get(app)
    const probes = this.#probes.get(app)
    if (!queue || !probes || probes.has(body)) return
    if (isOversizeBatch(body, this.limits.maxBatchSizeKb)) return
    if (this.#awaitingEcho.get(app)!.has(body) || queue.includes(body)) return
    const probe = [{ app, bodies: [body] }]
    if (this.refusal(PROBES, probe) !== null) return
    probes.add(body)
    queue.push(PROBES, [body])
  }

  /**
   * After a switch (or a forked tail dropped): re-queues this node's sent bodies that are neither
   * finalized nor in the adopted locked prefix (`locked`, the records after the last
   * finalization before the switch); probes are discarded, and so are queued copies of uncertain
   * bodies the prefix holds. The re-queued bodies are uncertain too: the sequencer's history may
   * hold them (a new sequencer may have adopted a higher lock than this node, the old one going
   * on locking with the nodes that had not switched yet), which its next answer shows
   * (`resolveUncertain`).
   * Returns how many bodies were re-queued.
   */
  requeueUnlocked(
    app: string,
    locked: readonly { index: number; body: string }[],
    lastFinalized: number,
  ): number {
    const unfinalized = this.#unfinalizedSent.get(app)!
    const pending = new Map(unfinalized)
    const uncertain = this.#uncertain.get(app)!
    const held: Multiset = new Map()
    for (const record of locked) {
      if (record.index > lastFinalized) removeOne(pending, record.body)
      if (removeOne(uncertain, record.body)) addOne(held, record.body)
    }
    const again: string[] = []
    for (const [body, count] of pending) {
      for (let i = 0; i < count; i++) again.push(body)
      for (let i = 0; i < count; i++) removeOne(unfinalized, body)
    }
    const probes = this.#probes.get(app)!
    this.queue(app).rebuild(again, (body) => !probes.has(body) && !removeOne(held, body))
    probes.clear()
    this.markUncertain(app, again)
    return again.length
  }

  /** A new sequencer: echoes awaited from the old one and its censorship no longer matter. */
  forgetSequencer(): void {
    for (const awaiting of this.#awaitingEcho.values()) awaiting.clear()
    this.#censoredApps.clear()
  }

  private queue(app: string): BatchQueue {
    const queue = this.#queues.get(app)
    if (!queue) throw new ZsequencerHttpError('InvalidRequestError', `Invalid app name: ${app}.`)
    return queue
  }
}
