import type { IntentAction } from '../../shared/intents/index.ts'
import type { JournaledIntent } from './pendingJournal.ts'

/** An intent this replica submitted and has not applied yet. */
export interface PendingIntent {
  readonly intentId: string
  readonly action: IntentAction
  readonly signer: string
  readonly nonce: bigint
  /**
   * When it was submitted here (or recovered from the journal at a restart): its time to live
   * counts from then, however often it is sent again.
   */
  readonly submittedAtMs: number
  /** When it was last sent to Zellular: the next redelivery waits from then. */
  readonly lastSentAtMs: number
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
 * when their receipt is applied, when the applied state refuses their (signer, nonce) for good
 * (`forgetSpentNonces`: it will only ever be skipped as a replay, which leaves no receipt), or
 * `ttlMs` after their submission whatever else happens. At most `maxEntries` are held.
 */
export class PendingIntents {
  private readonly byId = new Map<string, PendingIntent>()
  private readonly orders = new Set<string>()
  /** Ids of each signer's entries: what a batch that changed the signer's nonces may decide. */
  private readonly bySigner = new Map<string, Set<string>>()

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
    const ids = this.bySigner.get(intent.signer)
    if (ids === undefined) this.bySigner.set(intent.signer, new Set([intent.intentId]))
    else ids.add(intent.intentId)
    return true
  }

  /** The intent was sent again at `nowMs`: its next redelivery waits from now. */
  sentAgain(intentId: string, nowMs: number): void {
    const intent = this.byId.get(intentId)
    if (intent !== undefined) this.byId.set(intentId, { ...intent, lastSentAtMs: nowMs })
  }

  delete(intentId: string): void {
    const intent = this.byId.get(intentId)
    if (intent === undefined) return
    this.byId.delete(intentId)
    this.orders.delete(intentId)
    const ids = this.bySigner.get(intent.signer)
    ids?.delete(intentId)
    if (ids?.size === 0) this.bySigner.delete(intent.signer)
  }

  /** The pending intents of `signer`. */
  fromSigner(signer: string): PendingIntent[] {
    const ids = this.bySigner.get(signer)
    if (ids === undefined) return []
    return [...ids].map((id) => this.byId.get(id)!)
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
      if (nowMs - intent.lastSentAtMs <= waitMs) continue
      const again = { ...intent, lastSentAtMs: nowMs, redeliveries: intent.redeliveries + 1 }
      this.byId.set(intent.intentId, again)
      overdue.push(again)
    }
    return overdue
  }

  /**
   * Drops entries submitted more than the TTL ago, sent again or not: a batch that no copy of
   * reached the applied state by then (the last redelivery waits 240 s) is given up, and no
   * cause can keep an entry, and its redeliveries, forever.
   */
  sweep(nowMs: number): void {
    for (const [id, intent] of this.byId) {
      if (nowMs - intent.submittedAtMs > this.ttlMs) this.delete(id)
    }
  }
}
