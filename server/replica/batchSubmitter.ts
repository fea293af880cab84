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
  /** Most intents waiting or in flight; beyond it submissions get 503 `overloaded`. */
  readonly maxQueued: number
  /** Most batches posted at once; while they are out, new intents gather in the next one. */
  readonly maxInFlight?: number
}

interface Batch {
  readonly items: string[]
  bytes: number
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[]
  /** Its window has passed: send it as soon as a slot is free. */
  due: boolean
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * Coalesces intents into Zellular batches (a JSON array of wire intents) under the size cap, and
 * tells each submitter when its batch was accepted by a node. A batch leaves when its window
 * (a few ms after its first intent) has passed or it is full, and a sending slot is free; while
 * `maxInFlight` batches are out, later intents keep joining the open batch (Nagle's algorithm),
 * so batches grow with the load instead of the request count. When no node takes a batch, its
 * intents' promises reject with 503 `sequencer_unavailable`. Several batches ready at once go
 * in one bulk request (`PUT /node/batches`) when the transport offers it.
 */
export class BatchSubmitter {
  private open: Batch | undefined
  private readonly ready: Batch[] = []
  private inFlight = 0
  private queued = 0
  batchesSent = 0

  constructor(private readonly parameters: BatchSubmitterParameters) {}

  /** Adds one serialized wire intent; resolves when its batch is accepted by a node. */
  submit(json: string): Promise<void> {
    const { maxBytes, maxQueued, windowMs } = this.parameters
    const size = Buffer.byteLength(json)
    if (size + 2 > maxBytes) throw new ApiError('body_too_large', 'the intent exceeds a batch')
    if (this.queued >= maxQueued) {
      throw new ApiError('overloaded', 'too many intents are waiting to be sequenced')
    }
    if (this.open !== undefined && this.open.bytes + size + 1 > maxBytes) this.close()
    let batch = this.open
    if (batch === undefined) {
      const fresh: Batch = { items: [], bytes: 2, waiters: [], due: false, timer: undefined }
      fresh.timer = setTimeout(() => {
        fresh.due = true
        this.pump()
      }, windowMs)
      this.open = batch = fresh
    }
    batch.bytes += size + (batch.items.length > 0 ? 1 : 0)
    batch.items.push(json)
    this.queued += 1
    const joined = batch
    return new Promise((resolve, reject) => joined.waiters.push({ resolve, reject }))
  }

  /** Sends the open batch as soon as a slot is free, whatever its window. */
  flush(): void {
    if (this.open !== undefined) this.close()
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

  /** Sends batches (one request, bulk when several) and settles their intents' promises. */
  private post(batches: readonly Batch[]): void {
    this.inFlight += 1
    this.batchesSent += batches.length
    const settle = (error: unknown | undefined) => {
      this.inFlight -= 1
      for (const batch of batches) {
        this.queued -= batch.items.length
        for (const waiter of batch.waiters) {
          if (error === undefined) {
            waiter.resolve()
            continue
          }
          const failure = new ApiError('sequencer_unavailable', 'no Zellular node took the batch')
          failure.cause = error
          waiter.reject(failure)
        }
      }
      this.pump()
    }
    const bodies = batches.map((batch) => `[${batch.items.join(',')}]`)
    const { send, sendBulk } = this.parameters
    const sent = bodies.length > 1 && sendBulk !== undefined ? sendBulk(bodies) : send(bodies[0]!)
    sent.then(
      () => settle(undefined),
      (error: unknown) => settle(error ?? new Error('send failed')),
    )
  }
}
