import { ApiError } from './apiError.ts'

/** Parameters of `BatchSubmitter`. */
export interface BatchSubmitterParameters {
  /** Posts one batch body to Zellular; resolves once a node accepted it. */
  readonly send: (body: string) => Promise<void>
  /** How long the first intent of a batch waits for company, in ms. */
  readonly windowMs: number
  /** Largest batch body in bytes (Zellular's limit is 5 KB). */
  readonly maxBytes: number
  /** Most intents waiting or in flight; beyond it submissions get 503 `overloaded`. */
  readonly maxQueued: number
}

interface OpenBatch {
  readonly items: string[]
  bytes: number
  readonly waiters: { resolve: () => void; reject: (error: unknown) => void }[]
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * Coalesces intents arriving within a few milliseconds into one Zellular batch (a JSON array of
 * wire intents) under the size cap, and tells each submitter when its batch was accepted. Batches
 * are sent concurrently; each intent's promise rejects with 503 `sequencer_unavailable` when no
 * node took its batch.
 */
export class BatchSubmitter {
  private open: OpenBatch | undefined
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
    if (this.open !== undefined && this.open.bytes + size + 1 > maxBytes) this.flush()
    let batch = this.open
    if (batch === undefined) {
      batch = { items: [], bytes: 2, waiters: [], timer: undefined }
      this.open = batch
      batch.timer = setTimeout(() => this.flush(), windowMs)
    }
    batch.items.push(json)
    batch.bytes += size + (batch.items.length > 1 ? 1 : 0)
    this.queued += 1
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }))
  }

  /** Sends the open batch now. */
  flush(): void {
    const batch = this.open
    if (batch === undefined) return
    this.open = undefined
    clearTimeout(batch.timer)
    const body = `[${batch.items.join(',')}]`
    this.batchesSent += 1
    this.parameters.send(body).then(
      () => {
        this.queued -= batch.items.length
        for (const waiter of batch.waiters) waiter.resolve()
      },
      (error: unknown) => {
        this.queued -= batch.items.length
        const failure = new ApiError('sequencer_unavailable', `no Zellular node took the batch`)
        failure.cause = error
        for (const waiter of batch.waiters) waiter.reject(failure)
      },
    )
  }
}
