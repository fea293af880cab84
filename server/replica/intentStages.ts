import type { BatchEffects } from '../../shared/exchange/index.ts'
import { setBounded, stageNow, STAGE_RECORD_MAX } from '../observability/stageClock.ts'
import type { BatchSource } from './applyLoop.ts'

/** When one finalized batch reached this replica's stages, and the intents it held. */
export interface AppliedBatchStages {
  readonly index: number
  /** The SDK handed the batch over, verified. */
  readonly read: number
  /** Its effects were committed. */
  applied: number
  /** Its events were handed to the SSE streams (to none if nobody listened). */
  eventSent: number | undefined
  /** Intent ids of its receipts, in order. */
  readonly intentIds: readonly string[]
}

/** An intent this replica received: when, and when its Zellular batch was first posted. */
export interface ReceivedIntentStages {
  readonly received: number
  readonly batched: number
}

/**
 * The replica's part of the latency waterfall: when each intent it took was received and put
 * into a Zellular batch, and when each finalized batch was read, applied and its events sent.
 * Stamps are `stageNow` milliseconds (one clock for every process of a machine, so they line up
 * with the nodes' `GET /debug/{app}/stages`). Observability only: nothing applied reads them.
 * Bounded: the last `STAGE_RECORD_MAX` intents and batches. Served by `GET /debug/stages`.
 */
export class IntentStages {
  readonly #intents = new Map<string, ReceivedIntentStages>()
  readonly #read = new Map<number, number>()
  readonly #batches = new Map<number, AppliedBatchStages>()

  constructor(private readonly now: () => number = stageNow) {}

  /** The intent received at `received` just went out in a batch. */
  batched(intentId: string, received: number): void {
    const stamps = { received, batched: this.now() }
    setBounded(this.#intents, intentId, stamps, STAGE_RECORD_MAX)
  }

  /** `source` with each batch stamped as it is read. */
  stampReads(source: BatchSource): BatchSource {
    const read = this.#read
    const now = this.now
    return {
      async *batches(parameters) {
        for await (const batch of source.batches(parameters)) {
          setBounded(read, batch.index, now(), STAGE_RECORD_MAX)
          yield batch
        }
      },
    }
  }

  /** The batch's effects are committed; returns its row, to stamp the events on. */
  applied(effects: BatchEffects): AppliedBatchStages {
    const { index } = effects
    const at = this.now()
    const read = this.#read.get(index) ?? at
    this.#read.delete(index)
    const intentIds = [...effects.receipts, ...effects.droppedReceipts].map((r) => r.intentId)
    const row = { index, read, applied: at, eventSent: undefined, intentIds }
    setBounded(this.#batches, index, row, STAGE_RECORD_MAX)
    return row
  }

  eventSent(row: AppliedBatchStages): void {
    row.eventSent = this.now()
  }

  /** Applied batches above `after`, ascending, at most `limit`, each with its intents' stamps. */
  page(after: number, limit: number) {
    const out = []
    for (const row of this.#batches.values()) {
      if (row.index <= after) continue
      const intents = row.intentIds.map((id) => {
        const stamps = this.#intents.get(id)
        return stamps === undefined ? [id] : [id, stamps.received, stamps.batched]
      })
      const { index, read, applied, eventSent } = row
      out.push({ index, read, applied, eventSent: eventSent ?? null, intents })
      if (out.length >= limit) break
    }
    return out
  }
}
