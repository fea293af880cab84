import type { BatchEffects, Receipt } from '../../shared/exchange/index.ts'

/** A dropped receipt as `GET /tx` answers it. */
export interface DroppedReceipt {
  readonly receipt: Receipt
  readonly batchIndex: number
  readonly time: number
}

/**
 * The receipts of rejected intents that left no trace in the state (their signers had no
 * account: see `Exchange`), kept in memory only and only the latest `capacity` of them, so that
 * `GET /tx` can still say why a fresh key's intent failed without spam growing the database.
 * Not consensus state: a restart forgets them, and replicas may differ in what they still hold.
 */
export class DroppedReceipts {
  private readonly byId = new Map<string, DroppedReceipt>()

  constructor(readonly capacity = 10_000) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity ≥ 1')
  }

  /** Records a batch's dropped receipts, forgetting the oldest beyond the capacity. */
  record(effects: BatchEffects): void {
    for (const receipt of effects.droppedReceipts) {
      this.byId.delete(receipt.intentId)
      this.byId.set(receipt.intentId, { receipt, batchIndex: effects.index, time: effects.time })
      if (this.byId.size > this.capacity) this.byId.delete(this.byId.keys().next().value!)
    }
  }

  get(intentId: string): DroppedReceipt | undefined {
    return this.byId.get(intentId)
  }

  get size(): number {
    return this.byId.size
  }
}
