import type { IntentAction } from '../../shared/intents/index.ts'
import type { JournaledIntent } from './pendingJournal.ts'

/** An intent this replica submitted and has not applied yet. */
export interface PendingIntent {
  readonly intentId: string
  readonly action: IntentAction
  readonly signer: string
  readonly nonce: bigint
  /** When it was last sent to Zellular. */
  readonly submittedAtMs: number
  /** Its batch item (`toBatchItem`): what a redelivery sends again. */
  readonly item: string
  /** Times it was sent again because it was accepted but not applied in time. */
  readonly redeliveries: number
}

/**
 * Intents submitted through this replica and not yet applied: `GET /tx/:id` answers `pending`
 * for them, and a second submission of the same (signer, nonce) is refused as a replay before
 * it reaches Zellular. This holds for an intent whose send had an unknown outcome too: it may
 * still be sequenced, and the replica keeps sending it (see `BatchSubmitter`). Entries leave
 * when their receipt (or a replay of their nonce) is applied, or `ttlMs` after their last send
 * if their batch was lost. At most `maxEntries` are held.
 */
export class PendingIntents {
  private readonly byId = new Map<string, PendingIntent>()
  private readonly orders = new Set<string>()

  constructor(
    private readonly ttlMs = 10 * 60_000,
    readonly maxEntries = 100_000,
  ) {}

  get size(): number {
    return this.byId.size
  }

  /** No room for another entry: a submission is refused (503 `overloaded`) before sending. */
  get full(): boolean {
    return this.byId.size >= this.maxEntries
  }

  get(intentId: string): PendingIntent | undefined {
    return this.byId.get(intentId)
  }

  has(intentId: string): boolean {
    return this.byId.has(intentId)
  }

  /** Adds an intent; false (nothing added) if its id is pending already, or if `full`. */
  add(intent: PendingIntent): boolean {
    if (this.byId.has(intent.intentId) || this.full) return false
    this.byId.set(intent.intentId, intent)
    if (intent.action === 'order') this.orders.add(intent.intentId)
    return true
  }

  /** The intent was sent again at `nowMs`: its time to live starts over. */
  renew(intentId: string, nowMs: number): void {
    const intent = this.byId.get(intentId)
    if (intent !== undefined) this.byId.set(intentId, { ...intent, submittedAtMs: nowMs })
  }

  delete(intentId: string): void {
    this.byId.delete(intentId)
    this.orders.delete(intentId)
  }

  /** Every pending intent's id and batch item: the live part of the journal. */
  journaled(): JournaledIntent[] {
    return [...this.byId.values()].map(({ intentId, item }) => ({ intentId, item }))
  }

  /** Whether `signer` has a pending order: a cancel-all may be submitted before it applies. */
  hasOrderFrom(signer: string): boolean {
    for (const id of this.orders) if (this.byId.get(id)?.signer === signer) return true
    return false
  }

  /** Ids of pending orders: a cancel of one of them may be submitted before it applies. */
  orderIds(): ReadonlySet<string> {
    return this.orders
  }

  /**
   * Entries sent `afterMs × 2^redeliveries` ago (at most 16 × `afterMs`) and still not applied,
   * at most `max`, marked as sent again now. A node may acknowledge a batch and lose it (killed
   * with it queued, or a sequencer replaced before locking it), so an accepted intent is not a
   * delivered one; sending it again is safe, since a second copy of a (signer, nonce) is
   * skipped when applied.
   */
  takeOverdue(nowMs: number, afterMs: number, max: number): PendingIntent[] {
    const overdue: PendingIntent[] = []
    for (const intent of this.byId.values()) {
      if (overdue.length >= max) break
      const waitMs = afterMs * 2 ** Math.min(intent.redeliveries, 4)
      if (nowMs - intent.submittedAtMs <= waitMs) continue
      const again = { ...intent, submittedAtMs: nowMs, redeliveries: intent.redeliveries + 1 }
      this.byId.set(intent.intentId, again)
      overdue.push(again)
    }
    return overdue
  }

  /** Drops entries older than the TTL. */
  sweep(nowMs: number): void {
    for (const [id, intent] of this.byId) {
      if (nowMs - intent.submittedAtMs > this.ttlMs) this.delete(id)
    }
  }
}
