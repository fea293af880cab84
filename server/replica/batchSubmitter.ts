import { ApiError } from './apiError.ts'

/** Parameters of `BatchSubmitter`. */
export interface BatchSubmitterParameters {
  /** Posts one batch body to Zellular; resolves once a node accepted it. */
  readonly send: (body: string) => Promise<void>
  /** Posts several batch bodies in one request, when the transport can. */
  readonly sendBulk?: (bodies: string[]) => Promise<void>
  /** Most batches in one bulk request (default 8). */
  readonly bulkMax?: number
  /** How long the first intent of a batch waits for company, in ms. */
  readonly windowMs: number
  /** Largest batch body in bytes (Zellular's limit is 5 KB). */
  readonly maxBytes: number
  /**
   * Most intents waiting, in flight or to be sent again; beyond it submissions get 503
   * `overloaded`.
   */
  readonly maxQueued: number
  /** Most batches posted at once; while they are out, new intents gather in the next one. */
  readonly maxInFlight?: number
  /**
   * Pauses before each new send of a batch whose send failed, in ms; their count is how many
   * times it is sent again (default 0.5, 1, 2, 4, 8 and 16 s: about half a minute in all).
   */
  readonly resendDelaysMs?: readonly number[]
  readonly log?: (line: string) => void
}

/**
 * What became of a submitted intent: a node `accepted` its batch, or the send failed in a way
 * that may still have delivered it (`unknown`): it is being sent again.
 */
export type SubmitOutcome = 'accepted' | 'unknown'

/** Options of one `submit`. */
export interface SubmitOptions {
  /**
   * Asked before each new send of the intent after a failed one: false drops it from the
   * batch (its receipt was applied meanwhile, or nobody watches it any more).
   */
  readonly resendWanted?: () => boolean
  /** Told when the intent's batch is first posted (the latency waterfall's "batched"). */
  readonly onSent?: () => void
}

/** A place in the submit queue (`BatchSubmitter.reserve`), used once. */
export interface QueuePlace {
  /** Adds the item to a batch; never refused. Resolves as `BatchSubmitter.submit` does. */
  submit(options?: SubmitOptions): Promise<SubmitOutcome>
  /** Gives the place back without sending anything. */
  release(): void
}

interface Item {
  readonly json: string
  readonly resendWanted: (() => boolean) | undefined
  readonly onSent: (() => void) | undefined
}

interface Batch {
  items: Item[]
  bytes: number
  readonly waiters: ((outcome: SubmitOutcome) => void)[]
  /** Its window has passed: send it as soon as a slot is free. */
  due: boolean
  timer: ReturnType<typeof setTimeout> | undefined
  /** Sends that failed so far. */
  failures: number
}

const defaultResendDelaysMs = [500, 1_000, 2_000, 4_000, 8_000, 16_000]

/**
 * Coalesces intents into Zellular batches (a JSON array of batch items, `toBatchItem`) under the size cap, and
 * tells each submitter when its batch was accepted by a node. A batch leaves when its window
 * (a few ms after its first intent) has passed or it is full, and a sending slot is free; while
 * `maxInFlight` batches are out, later intents keep joining the open batch (Nagle's algorithm),
 * so batches grow with the load instead of the request count. Several batches ready at once go
 * in one bulk request (`PUT /node/batches`) when the transport offers it.
 *
 * Delivery to Zellular is at least once: a send that fails (a timeout, a reset connection, a
 * node's error after a failover) may still have delivered the batch, so its intents are told
 * `unknown`, never "failed", and the batch is sent again after a pause, up to
 * `resendDelaysMs.length` times, less the intents whose `resendWanted` says no. A copy that
 * arrives twice is harmless: replicas apply a (signer, nonce) once. Only what is refused before
 * any send (the queue is full, the intent cannot fit a batch) throws.
 */
export class BatchSubmitter {
  private open: Batch | undefined
  private readonly ready: Batch[] = []
  private readonly resendTimers = new Set<ReturnType<typeof setTimeout>>()
  private inFlight = 0
  private queued = 0
  private closed = false
  batchesSent = 0

  constructor(private readonly parameters: BatchSubmitterParameters) {}

  /**
   * Adds one serialized batch item; resolves when a node accepted its batch (`accepted`) or
   * the first send failed (`unknown`: it is being sent again).
   * @throws ApiError `overloaded` or `body_too_large`: refused, nothing was sent.
   */
  submit(json: string, options: SubmitOptions = {}): Promise<SubmitOutcome> {
    return this.reserve(json).submit(options)
  }

  /**
   * Takes a place in the queue for one serialized batch item without adding it yet, so that
   * whatever refuses it happens now: a caller that must record the item before it is sent (the
   * pending journal) records only what will be sent, never something it then refuses. The
   * place counts towards `maxQueued` until it is used, once: `submit` then cannot refuse, and
   * `release` gives it back unused.
   * @throws ApiError `overloaded` or `body_too_large`: refused, nothing was sent.
   */
  reserve(json: string): QueuePlace {
    const { maxBytes, maxQueued } = this.parameters
    const size = Buffer.byteLength(json)
    if (size + 2 > maxBytes) throw new ApiError('body_too_large', 'the intent exceeds a batch')
    if (this.queued >= maxQueued || this.closed) {
      throw new ApiError('overloaded', 'too many intents are waiting to be sequenced')
    }
    this.queued += 1
    return {
      submit: (options = {}) => this.enqueue(json, size, options),
      release: () => {
        this.queued -= 1
      },
    }
  }

  /** Puts a reserved item into the open batch (a new one if it does not fit). */
  private enqueue(json: string, size: number, options: SubmitOptions): Promise<SubmitOutcome> {
    if (this.closed) {
      // Stopped since the place was taken: this process sends nothing more. The caller took the
      // place to record the item first, and that record sends it after a restart: `unknown`.
      this.queued -= 1
      return Promise.resolve('unknown')
    }
    const { maxBytes, windowMs } = this.parameters
    if (this.open !== undefined && this.open.bytes + size + 1 > maxBytes) this.close()
    let batch = this.open
    if (batch === undefined) {
      const fresh: Batch = {
        items: [],
        bytes: 2,
        waiters: [],
        due: false,
        timer: undefined,
        failures: 0,
      }
      fresh.timer = setTimeout(() => {
        fresh.due = true
        this.pump()
      }, windowMs)
      this.open = batch = fresh
    }
    batch.bytes += size + (batch.items.length > 0 ? 1 : 0)
    batch.items.push({ json, resendWanted: options.resendWanted, onSent: options.onSent })
    const joined = batch
    return new Promise((resolve) => joined.waiters.push(resolve))
  }

  /** Sends the open batch as soon as a slot is free, whatever its window. */
  flush(): void {
    if (this.open !== undefined) this.close()
  }

  /** Sends what is open and stops sending again: pending resends are dropped (on shutdown). */
  stop(): void {
    this.flush()
    this.closed = true
    for (const timer of this.resendTimers) clearTimeout(timer)
    this.resendTimers.clear()
  }

  /** Moves the open (full) batch to the ready queue and sends what the free slots allow. */
  private close(): void {
    const batch = this.open
    if (batch === undefined) return
    this.open = undefined
    clearTimeout(batch.timer)
    this.ready.push(batch)
    this.pump()
  }

  private pump(): void {
    const maxInFlight = this.parameters.maxInFlight ?? 4
    const bulkMax = this.parameters.sendBulk === undefined ? 1 : (this.parameters.bulkMax ?? 8)
    while (this.inFlight < maxInFlight) {
      const batches: Batch[] = []
      while (batches.length < bulkMax) {
        let batch = this.ready.shift()
        if (batch === undefined && this.open?.due === true) {
          batch = this.open
          this.open = undefined
        }
        if (batch === undefined) break
        batches.push(batch)
      }
      if (batches.length === 0) return
      this.post(batches)
    }
  }

  /** Sends batches (one request, bulk when several) and settles or schedules each. */
  private post(batches: readonly Batch[]): void {
    this.inFlight += 1
    this.batchesSent += batches.length
    const settle = (error: unknown | undefined) => {
      this.inFlight -= 1
      for (const batch of batches) {
        const outcome: SubmitOutcome = error === undefined ? 'accepted' : 'unknown'
        for (const waiter of batch.waiters.splice(0)) waiter(outcome)
        if (error === undefined) this.queued -= batch.items.length
        else this.resendLater(batch, error)
      }
      this.pump()
    }
    const bodies = batches.map((batch) => `[${batch.items.map((item) => item.json).join(',')}]`)
    for (const batch of batches) {
      if (batch.failures === 0) for (const item of batch.items) item.onSent?.()
    }
    const { send, sendBulk } = this.parameters
    const sent = bodies.length > 1 && sendBulk !== undefined ? sendBulk(bodies) : send(bodies[0]!)
    sent.then(
      () => settle(undefined),
      (error: unknown) => settle(error ?? new Error('send failed')),
    )
  }

  /**
   * Queues a failed batch for another send after its pause, keeping only the intents still
   * wanted; gives up (logged) after the last pause. Its intents count towards `maxQueued` until
   * then, so resends are bounded like everything else.
   */
  private resendLater(batch: Batch, error: unknown): void {
    const delays = this.parameters.resendDelaysMs ?? defaultResendDelaysMs
    const delayMs = delays[batch.failures]
    batch.failures += 1
    if (delayMs === undefined || this.closed) {
      this.queued -= batch.items.length
      const reason = error instanceof Error ? error.message : String(error)
      this.parameters.log?.(
        `WARN batch of ${batch.items.length} intents not confirmed by Zellular after ` +
          `${batch.failures} sends (${reason}); they stay pending until applied or expired`,
      )
      return
    }
    const timer = setTimeout(() => {
      this.resendTimers.delete(timer)
      const wanted = batch.items.filter((item) => item.resendWanted?.() ?? true)
      this.queued -= batch.items.length - wanted.length
      if (wanted.length === 0) return
      batch.items = wanted
      this.ready.push(batch)
      this.pump()
    }, delayMs)
    timer.unref?.()
    this.resendTimers.add(timer)
  }
}
