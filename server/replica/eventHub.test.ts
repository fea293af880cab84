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
