import { describe, expect, it } from 'vitest'
import { decideRequestOutcome } from './requestOutcome.ts'
import { RequestWatcher } from './requestWatcher.ts'
import type { TrackedRequest } from './requestsState.ts'

const request: TrackedRequest = {
  key: 'a',
  action: 'transfer',
  title: 'Send 1 USDT',
  text: 't',
  intentId: '0x1',
  signer: '0xaa',
  stage: 'submitted',
  startedAt: 0,
}

describe('decideRequestOutcome', () => {
  const applied = { status: 'applied' as const, batchIndex: 7 }
  const rejected = {
    status: 'rejected' as const,
    reason: 'insufficient_available' as const,
    batchIndex: 7,
  }

  it('one replica saying rejected does not reject a request the others applied', () => {
    expect(decideRequestOutcome([rejected, applied, applied], 2)).toEqual({
      stage: 'applied',
      appliedBy: 2,
      batchIndex: 7,
    })
    expect(decideRequestOutcome([rejected, undefined, undefined], 2)).toEqual({
      stage: 'finalized',
      appliedBy: 0,
      batchIndex: 7,
    })
  })

  it('a quorum saying rejected rejects it, with their reason', () => {
    expect(decideRequestOutcome([rejected, rejected, applied], 2)).toEqual({
      stage: 'rejected',
      reason: { kind: 'code', code: 'insufficient_available' },
      batchIndex: 7,
    })
    expect(decideRequestOutcome([undefined, undefined, undefined], 2)).toBeUndefined()
  })

  it('takes the code most rejecting replicas give, and makes none up', () => {
    const expired = { ...rejected, reason: 'expired' as const }
    expect(decideRequestOutcome([rejected, expired, expired], 2)?.reason).toEqual({
      kind: 'code',
      code: 'expired',
    })
    const bare = { status: 'rejected' as const, batchIndex: 7 }
    expect(decideRequestOutcome([bare, bare, undefined], 2)).toEqual({
      stage: 'rejected',
      batchIndex: 7,
    })
  })

  it('takes the batch and its time from the answers that agree, not from the first', () => {
    const liar = { status: 'applied' as const, batchIndex: 99, time: 5 }
    const honest = { status: 'applied' as const, batchIndex: 7, time: 1 }
    expect(decideRequestOutcome([liar, honest, honest], 2)).toEqual({
      stage: 'applied',
      appliedBy: 3,
      batchIndex: 7,
      batchTime: 1,
    })
    const rejectedHonest = { ...rejected, time: 1 }
    const outcome = decideRequestOutcome(
      [{ ...rejected, batchIndex: 99 }, rejectedHonest, rejectedHonest],
      2,
    )
    expect(outcome).toMatchObject({ stage: 'rejected', batchIndex: 7, batchTime: 1 })
    // The ledger decided: no longer a refusal before sequencing that may still apply.
    expect(outcome).toHaveProperty('refusedBy', undefined)
  })

  it('carries the batch time the replicas answer', () => {
    const at = { time: 1_700_000_000_500 }
    expect(decideRequestOutcome([{ ...applied, ...at }, applied, undefined], 2)).toEqual({
      stage: 'applied',
      appliedBy: 2,
      batchIndex: 7,
      batchTime: 1_700_000_000_500,
    })
  })
})

describe('RequestWatcher', () => {
  it('polls each request one at a time and keeps counting after it is applied', async () => {
    let inFlight = 0
    let mostInFlight = 0
    const answers: Partial<TrackedRequest>[] = [
      { stage: 'finalized', appliedBy: 1 },
      { stage: 'applied', appliedBy: 2 },
      { stage: 'applied', appliedBy: 2 },
      { stage: 'applied', appliedBy: 3 },
    ]
    const patches: Partial<TrackedRequest>[] = []
    let polls = 0
    const watcher = new RequestWatcher({
      replicaCount: 3,
      intervalMs: 5,
      async poll() {
        polls += 1
        inFlight += 1
        mostInFlight = Math.max(mostInFlight, inFlight)
        // Slower than the interval: a timer-driven poller would start the next one meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 40))
        inFlight -= 1
        return answers[Math.min(polls - 1, answers.length - 1)]
      },
      onPatch: (_key, patch) => patches.push(patch),
    })
    watcher.update([request])
    await expect.poll(() => patches.at(-1)?.appliedBy, { timeout: 5000 }).toBe(3)
    await expect.poll(() => watcher.size).toBe(0)
    expect(mostInFlight).toBe(1)
    expect(polls).toBe(4)
    watcher.stop()
  })

  it('stops following a request that leaves the list, and everything on stop', async () => {
    let polls = 0
    const watcher = new RequestWatcher({
      replicaCount: 3,
      intervalMs: 5,
      poll: async () => {
        polls += 1
        return undefined
      },
      onPatch: () => {},
    })
    watcher.update([request, { ...request, key: 'b' }])
    await expect.poll(() => polls).toBeGreaterThan(4)
    watcher.update([{ ...request, key: 'b' }])
    await expect.poll(() => watcher.size).toBe(1)
    watcher.stop()
    await expect.poll(() => watcher.size).toBe(0)
    const after = polls
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(polls).toBe(after)
  })
})

describe('RequestWatcher and a request a quorum refused before sequencing', () => {
  const refused: TrackedRequest = {
    ...request,
    stage: 'rejected',
    refusedBy: 2,
    applyByMs: 1_000_000,
  }

  it('keeps polling it, slower and slower, until a quorum applies it', async () => {
    const started: number[] = []
    const patches: Partial<TrackedRequest>[] = []
    const answers: (Partial<TrackedRequest> | undefined)[] = [
      undefined,
      // One replica's word: not an outcome, and the request stays rejected meanwhile.
      { stage: 'finalized', appliedBy: 1 },
      undefined,
      { stage: 'applied', appliedBy: 3 },
    ]
    const watcher = new RequestWatcher({
      replicaCount: 3,
      intervalMs: 5,
      slowIntervalMs: 40,
      now: () => 0,
      poll: async () => {
        started.push(performance.now())
        return answers[started.length - 1]
      },
      onPatch: (_key, patch) => patches.push(patch),
    })
    watcher.update([refused])
    await expect.poll(() => patches.at(-1)?.stage, { timeout: 5000 }).toBe('applied')
    await expect.poll(() => watcher.size).toBe(0)
    expect(started).toHaveLength(4)
    // The pauses double from 5 ms: the third is 20 ms (timers may round a little).
    const pauses = started.slice(1).map((at, position) => at - started[position]!)
    expect(pauses[2]!).toBeGreaterThanOrEqual(15)
    watcher.stop()
  })

  it('stops once its nonce can no longer apply, and never watches a ledger rejection', async () => {
    let polls = 0
    let nowMs = 0
    const watcher = new RequestWatcher({
      replicaCount: 3,
      intervalMs: 5,
      now: () => nowMs,
      poll: async () => {
        polls += 1
        return undefined
      },
      onPatch: () => {},
    })
    watcher.update([refused, { ...refused, key: 'ledger', refusedBy: undefined }])
    await expect.poll(() => polls).toBeGreaterThan(1)
    expect(watcher.size).toBe(1)
    nowMs = refused.applyByMs! + 1
    await expect.poll(() => watcher.size).toBe(0)
    watcher.stop()
  })
})
