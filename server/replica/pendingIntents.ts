import type { IntentAction } from '../../shared/intents/index.ts'

/** An intent this replica submitted and has not applied yet. */
export interface PendingIntent {
  readonly intentId: string
  readonly action: IntentAction
  readonly signer: string
  readonly nonce: bigint
  readonly submittedAtMs: number
}

/**
 * Intents submitted through this replica and not yet applied: `GET /tx/:id` answers `pending`
 * for them, and a second submission of the same (signer, nonce) is refused as a replay before
 * it reaches Zellular. Entries leave when their receipt (or a replay of their nonce) is
 * applied, or after `ttlMs` if their batch was lost.
 */
export class PendingIntents {
  private readonly byId = new Map<string, PendingIntent>()
  private readonly orders = new Set<string>()

  constructor(private readonly ttlMs = 10 * 60_000) {}

  get size(): number {
    return this.byId.size
  }

  get(intentId: string): PendingIntent | undefined {
    return this.byId.get(intentId)
  }

  has(intentId: string): boolean {
    return this.byId.has(intentId)
  }

  /** Adds an intent; false (nothing added) if its id, i.e. its (signer, nonce), is pending. */
  add(intent: PendingIntent): boolean {
    if (this.byId.has(intent.intentId)) return false
    this.byId.set(intent.intentId, intent)
    if (intent.action === 'order') this.orders.add(intent.intentId)
    return true
  }

  delete(intentId: string): void {
    this.byId.delete(intentId)
    this.orders.delete(intentId)
  }

  /** Ids of pending orders: a cancel of one of them may be submitted before it applies. */
  orderIds(): ReadonlySet<string> {
    return this.orders
  }

  /** Drops entries older than the TTL. */
  sweep(nowMs: number): void {
    for (const [id, intent] of this.byId) {
      if (nowMs - intent.submittedAtMs > this.ttlMs) this.delete(id)
    }
  }
}
