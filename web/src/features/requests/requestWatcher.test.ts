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
