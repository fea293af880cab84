import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EventHub, type HubEvent } from './eventHub.ts'

/*
 * The heartbeat is what lets a client tell a dead stream (a hung replica, a half-open
 * connection) from a quiet market: every attached stream gets one per interval, whatever it
 * filters, and only while streams are attached.
 */

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('EventHub heartbeat', () => {
  it('gives every stream a heartbeat per interval, past its filter, after what came before', () => {
    const hub = new EventHub({ heartbeatMs: 2000 })
    const trades: HubEvent[] = []
    const mine: HubEvent[] = []
    const a = hub.subscribe({ types: new Set(['trade']) }, (events) => trades.push(...events))!
    const b = hub.subscribe({ address: '0xab' }, (events) => mine.push(...events))!
    hub.publish([{ event: 'applied', data: { index: 1 } }])
    vi.advanceTimersByTime(1999)
    expect(trades).toEqual([])
    vi.advanceTimersByTime(1)
    const beat = { id: 1, event: 'heartbeat', data: JSON.stringify({ intervalMs: 2000 }) }
    expect(trades).toEqual([beat])
    // The heartbeat comes after the events published before it; its id is the latest event's,
    // so resuming from it (`Last-Event-ID`) misses nothing.
    expect(mine.map((event) => [event.event, event.id])).toEqual([
      ['applied', 1],
      ['heartbeat', 1],
    ])
    vi.advanceTimersByTime(4000)
    expect(trades.filter((event) => event.event === 'heartbeat')).toHaveLength(3)
    a.unsubscribe()
    b.unsubscribe()
  })

  it('beats only while streams are attached', () => {
    const hub = new EventHub({ heartbeatMs: 1000 })
    const first = hub.subscribe({}, () => undefined)!
    expect(vi.getTimerCount()).toBe(1)
    const second = hub.subscribe({}, () => undefined)!
    expect(vi.getTimerCount()).toBe(1)
    first.unsubscribe()
    expect(vi.getTimerCount()).toBe(1)
    second.unsubscribe()
    expect(vi.getTimerCount()).toBe(0)
    const received: HubEvent[] = []
    const third = hub.subscribe({}, (events) => received.push(...events))!
    vi.advanceTimersByTime(1000)
    expect(received.map((event) => event.event)).toEqual(['heartbeat'])
    third.unsubscribe()
  })
})

describe('EventHub reset', () => {
  it('tells every stream that events were lost and resumes no id from before it', () => {
    const hub = new EventHub()
    const resets: string[] = []
    const a = hub.subscribe(
      {},
      () => undefined,
      undefined,
      () => resets.push('a'),
    )!
    const b = hub.subscribe(
      { address: '0xab' },
      () => undefined,
      undefined,
      () => resets.push('b'),
    )!
    hub.publish([{ event: 'applied', data: { index: 1 } }])
    hub.publish([{ event: 'applied', data: { index: 2 } }])
    expect(hub.subscribe({}, () => undefined, 1)!.resumable).toBe(true)
    hub.reset()
    expect(resets).toEqual(['a', 'b'])
    // A stream that resumes from before the reset learns it cannot, and gets nothing replayed.
    const replayed: HubEvent[] = []
    const late = hub.subscribe({}, (events) => replayed.push(...events), 1)!
    expect(late.resumable).toBe(false)
    expect(replayed).toEqual([])
    a.unsubscribe()
    b.unsubscribe()
    late.unsubscribe()
  })
})

describe('EventHub ids', () => {
  const applied = (index: number, id?: number) => ({
    event: 'applied' as const,
    data: { index },
    ...(id === undefined ? {} : { id }),
  })
  const resume = (hub: EventHub, lastEventId: number) => {
    const replayed: (number | undefined)[] = []
    const stream = hub.subscribe(
      {},
      (events) => replayed.push(...events.map((e) => e.id)),
      lastEventId,
    )!
    stream.unsubscribe()
    return { resumable: stream.resumable, replayed }
  }

  it("keeps a relayed event's id, so every process of a replica numbers it alike", () => {
    const a = new EventHub()
    const b = new EventHub()
    a.publish([applied(5, 1_000), applied(6, 1_001)])
    b.publish([applied(6, 1_001)]) // b joined later
    // A client that had 1,000 from `a` resumes on `b`, which holds everything after it.
    expect(resume(b, 1_000)).toEqual({ resumable: true, replayed: [1_001] })
    // One that had only 999 cannot: `b` never had 1,000.
    expect(resume(b, 999)).toEqual({ resumable: false, replayed: [] })
    expect(() => b.publish([applied(7, 1_001)])).toThrow(RangeError)
  })

  it('starts at `firstId` and refuses ids it never gave, or gave before a reset', () => {
    const hub = new EventHub({ firstId: 500 })
    expect(hub.resumeId).toBe(499)
    hub.publish([applied(1), applied(2)])
    expect(resume(hub, 500)).toEqual({ resumable: true, replayed: [501] })
    expect(resume(hub, 501)).toEqual({ resumable: true, replayed: [] })
    // Not given yet (another process's, or this one's before a restart that started lower).
    expect(resume(hub, 502).resumable).toBe(false)
    hub.reset()
    // The last event before the reset included: what followed it is lost.
    expect(resume(hub, 501).resumable).toBe(false)
    expect(hub.resumeId).toBeUndefined()
    hub.publish([applied(9)])
    expect(hub.resumeId).toBe(502)
    expect(resume(hub, 502)).toEqual({ resumable: true, replayed: [] })
  })

  it('refuses a resumption whose next events are no longer buffered', () => {
    const hub = new EventHub({ bufferSize: 2 })
    hub.publish([applied(1), applied(2), applied(3), applied(4)])
    expect(resume(hub, 1)).toEqual({ resumable: false, replayed: [] })
    expect(resume(hub, 2)).toEqual({ resumable: true, replayed: [3, 4] })
  })
})

describe('EventHub wanted', () => {
  it('wants events while a stream is attached and for the resume window after the last left', () => {
    let nowMs = 0
    const hub = new EventHub({ resumeWindowMs: 30_000, now: () => nowMs })
    expect(hub.wanted).toBe(false)
    const stream = hub.subscribe({}, () => undefined)!
    expect(hub.wanted).toBe(true)
    nowMs = 100_000
    stream.unsubscribe()
    // A relay that lost its connection comes back within the window and resumes from its id.
    nowMs += 29_999
    expect(hub.wanted).toBe(true)
    nowMs += 1
    expect(hub.wanted).toBe(false)
  })
})
