import { Worker } from 'node:worker_threads'
import {
  prepareBatch,
  type PrepareBatchParameters,
  type PreparedBatch,
} from '../../shared/exchange/index.ts'

/**
 * Worker threads that run `prepareBatch` (JSON, intent rules, EIP-191 signer recovery) off the
 * main thread, so a replica verifies the next batches while it applies and commits the current
 * one. Results are deterministic, so where they are computed changes nothing. With 0 threads, or
 * if a thread fails, batches are prepared on the calling thread.
 */
export class VerifierPool {
  private readonly workers: Worker[] = []
  private readonly waiting = new Map<
    number,
    { resolve: (prepared: PreparedBatch) => void; body: string }
  >()
  private nextId = 0
  private readonly started: Promise<void>
  private broken = false
  private closing = false
  /** Batches prepared by a thread (not inline) so far. */
  preparedInThreads = 0

  constructor(
    threads: number,
    private readonly parameters: PrepareBatchParameters,
    /** Told when a thread fails and the pool falls back to preparing inline. */
    private readonly log: (line: string) => void = () => {},
  ) {
    const workerData = {
      tokens: [...parameters.tokens.values()].map(({ symbol, decimals }) => ({ symbol, decimals })),
      domain: parameters.domain,
    }
    const starting: Promise<void>[] = []
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(new URL('./verifierThread.mjs', import.meta.url), { workerData })
      let started = () => {}
      starting.push(new Promise<void>((resolve) => (started = resolve)))
      worker.on('message', (message: ThreadMessage) => {
        if ('ready' in message) return started()
        const waiter = this.waiting.get(message.id)
        if (waiter === undefined) return
        this.waiting.delete(message.id)
        this.preparedInThreads += 1
        waiter.resolve(message.prepared)
      })
      worker.on('error', (error) => this.fail(`verifier thread failed: ${error.message}`))
      worker.on('exit', (code) => {
        started()
        if (code !== 0) this.fail(`verifier thread exited with code ${code}`)
      })
      this.workers.push(worker)
    }
    this.started = Promise.all(starting).then(() => {})
  }

  /**
   * Resolves once every thread has loaded its code (a second or so of CPU each) or failed.
   * Batches sent before then are queued in the thread, so waiting is optional; it keeps start-up
   * out of what a caller measures.
   */
  ready(): Promise<void> {
    return this.started
  }

  /** Number of threads in use (0 when preparing inline). */
  get threads(): number {
    return this.broken ? 0 : this.workers.length
  }

  /** Parses and verifies a batch body. */
  prepare(body: string): Promise<PreparedBatch> {
    if (this.threads === 0) return Promise.resolve(prepareBatch(body, this.parameters))
    const id = this.nextId++
    const worker = this.workers[id % this.workers.length]!
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve, body })
      worker.postMessage({ id, body })
    })
  }

  async close(): Promise<void> {
    this.closing = true
    this.fail()
    await Promise.all(this.workers.map((worker) => worker.terminate()))
  }

  /** A thread died: finish everything it held inline and stop using threads. */
  private fail(reason?: string): void {
    if (this.broken) return
    this.broken = true
    if (!this.closing && reason !== undefined) {
      this.log(`${reason}; verifying inline from now on`)
    }
    for (const [id, waiter] of this.waiting) {
      this.waiting.delete(id)
      waiter.resolve(prepareBatch(waiter.body, this.parameters))
    }
  }
}

type ThreadMessage = { ready: true } | { id: number; prepared: PreparedBatch }
