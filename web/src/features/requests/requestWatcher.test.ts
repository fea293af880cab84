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

describe('RequestWatcher and a request no replica knows', () => {
  const unknown: TrackedRequest = { ...request, stage: 'unknown', applyByMs: 1_000_000 }

  /** A sleep that records each pause and lets `count` of them pass; later ones wait for an abort. */
  function countedSleep(count: number) {
    const pauses: number[] = []
    const sleep = (ms: number, signal: AbortSignal) => {
      pauses.push(ms)
      if (pauses.length <= count) return Promise.resolve()
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))
    }
    // Lets more pauses pass; the one waiting now ends only if the watcher wakes it.
    return { pauses, sleep, more: (extra: number) => (count += extra) }
  }

  it('polls it less and less often, and again soon once the live stream moves it', async () => {
    const { pauses, sleep, more } = countedSleep(8)
    let polls = 0
    const watcher = new RequestWatcher({
      replicaCount: 3,
      now: () => 0,
      sleep,
      poll: async () => {
        polls += 1
        return undefined
      },
      onPatch: () => {},
    })
    watcher.update([unknown])
    await expect.poll(() => pauses.length).toBe(9)
    expect(polls).toBe(9)
    expect(pauses).toEqual([700, 1400, 2800, 5600, 11_200, 22_400, 30_000, 30_000, 30_000])
    // A receipt on the live stream: the request moved, so it is polled now, and the next pauses
    // start short again.
    more(3)
    watcher.update([{ ...unknown, stage: 'finalized', batchIndex: 7 }])
    await expect.poll(() => pauses.length).toBe(12)
    expect(pauses.slice(9)).toEqual([700, 1400, 2800])
    watcher.stop()
  })

  it('starts over when an answer moves it, and slows down while the answers stay the same', async () => {
    const { pauses, sleep } = countedSleep(5)
    const answers: (Partial<TrackedRequest> | undefined)[] = [
      undefined,
      undefined,
      { stage: 'finalized', appliedBy: 1, batchIndex: 7 },
      { stage: 'finalized', appliedBy: 1, batchIndex: 7 },
      { stage: 'finalized', appliedBy: 1, batchIndex: 7 },
    ]
    let polls = 0
    const watcher = new RequestWatcher({
      replicaCount: 3,
      now: () => 0,
      sleep,
      poll: async () => answers[Math.min(polls++, answers.length - 1)],
      onPatch: () => {},
    })
    watcher.update([unknown])
    await expect.poll(() => pauses.length).toBe(6)
    expect(pauses).toEqual([700, 1400, 700, 1400, 2800, 5600])
    watcher.stop()
  })

  it('watches at most `maxWatched` requests, and says so on the oldest it drops', async () => {
    const patches: [string, Partial<TrackedRequest>][] = []
    const polled = new Set<string>()
    const watcher = new RequestWatcher({
      replicaCount: 3,
      maxWatched: 2,
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      poll: async (item) => {
        polled.add(item.key)
        return undefined
      },
      onPatch: (key, patch) => patches.push([key, patch]),
    })
    const list = [
      { ...unknown, key: 'new', startedAt: 3 },
      { ...unknown, key: 'middle', startedAt: 2 },
      { ...unknown, key: 'old', startedAt: 1 },
    ]
    watcher.update(list)
    expect(watcher.size).toBe(2)
    expect(patches).toEqual([['old', { unwatched: true }]])
    await expect.poll(() => polled.size).toBe(2)
    expect(polled.has('old')).toBe(false)
    // The list brings the flag back: the dropped request is not watched again.
    watcher.update([list[0]!, list[1]!, { ...list[2]!, unwatched: true }])
    expect(watcher.size).toBe(2)
    // A newer request displaces the oldest watched one.
    watcher.update([{ ...unknown, key: 'newest', startedAt: 4 }, ...list])
    expect(watcher.size).toBe(2)
    expect(patches.at(-1)).toEqual(['middle', { unwatched: true }])
    watcher.stop()
  })
})
