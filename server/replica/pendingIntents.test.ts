import { describe, expect, it } from 'vitest'
import { PendingIntents } from './pendingIntents.ts'

const ttlMs = 10 * 60_000
const redeliverAfterMs = 15_000

describe('PendingIntents', () => {
  it('forgets an entry its time to live after its submission, however often it was sent again', () => {
    const pending = new PendingIntents(ttlMs)
    const intent = {
      intentId: '0x01',
      action: 'transfer',
      signer: '0x0a',
      nonce: 1n,
      submittedAtMs: 0,
      lastSentAtMs: 0,
      item: '[]',
      redeliveries: 0,
    } as const
    pending.add(intent)
    // The replica's sweep, once a second: drop what is too old, send again what is overdue.
    let sentAgain = 0
    for (let nowMs = 0; nowMs <= ttlMs; nowMs += 1_000) {
      pending.sweep(nowMs)
      sentAgain += pending.takeOverdue(nowMs, redeliverAfterMs, 500).length
    }
    expect(pending.has(intent.intentId)).toBe(true)
    // Sent again after 15, 45, 105, 225 and 465 s: each wait twice the last, up to 240 s.
    expect(sentAgain).toBe(5)
    pending.sweep(ttlMs + 1)
    expect(pending.has(intent.intentId)).toBe(false)
  })
})
