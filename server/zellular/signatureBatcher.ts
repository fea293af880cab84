import type { Network, OperatorSignatureRequest } from '../../shared/zellular/index.ts'

interface Waiting {
  readonly request: OperatorSignatureRequest
  readonly resolve: (valid: boolean) => void
  readonly reject: (error: unknown) => void
}

/**
 * Verifies the operator signatures of requests that arrive together as one batch. Under load a
 * sequencer reads several followers' signed PUTs in one turn of the event loop; checking their
 * signatures together (`Network.verifyOperatorSignatures`) costs about half as many pairings as
 * checking each. A lone request waits only for the end of the current turn (`setImmediate`).
 */
export class OperatorSignatureBatcher {
  private waiting: Waiting[] = []
  /** Batches verified so far, and the signatures in them (for tests and logs). */
  batches = 0
  signatures = 0

  constructor(
    private readonly network: Network,
    /** Most signatures in one batch; more wait for the next turn. */
    private readonly maxBatch = 32,
  ) {}

  verify(request: OperatorSignatureRequest): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush())
      this.waiting.push({ request, resolve, reject })
    })
  }

  private flush(): void {
    const batch = this.waiting.splice(0, this.maxBatch)
    if (this.waiting.length > 0) setImmediate(() => this.flush())
    this.batches += 1
    this.signatures += batch.length
    try {
      const answers = this.network.verifyOperatorSignatures(batch.map(({ request }) => request))
      batch.forEach(({ resolve }, position) => resolve(answers[position] === true))
    } catch (error) {
      for (const { reject } of batch) reject(error)
    }
  }
}
