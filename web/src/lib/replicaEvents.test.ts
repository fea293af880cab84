import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ReplicaEvents } from './replicaEvents.ts'

/** A stand-in for the browser's EventSource that a test drives by hand. */
class FakeEventSource {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSED = 2
  static opened: FakeEventSource[] = []
  readyState = FakeEventSource.CONNECTING
  closed = false
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>()
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this)
  }
  addEventListener(name: string, listener: (event: unknown) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener])
  }
  close() {
    this.closed = true
    this.readyState = FakeEventSource.CLOSED
  }
  emit(name: string, data?: unknown) {
    for (const listener of this.listeners.get(name) ?? []) listener({ data: JSON.stringify(data) })
  }
}

const replicas = [
  { id: 'replica-1', url: 'http://127.0.0.1:5001' },
  { id: 'replica-2', url: 'http://127.0.0.1:5002' },
]
const hello = { replicaId: 'replica-1', appliedIndex: 4, books: [] }

beforeEach(() => {
  vi.useFakeTimers()
  FakeEventSource.opened = []
  vi.stubGlobal('EventSource', FakeEventSource)
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('ReplicaEvents', () => {
  it('moves to the next replica when the browser keeps retrying a dead one', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ replicas, address: '0xab', onEvent, failoverMs: 5000 })
    events.start()
    const first = FakeEventSource.opened[0]!
    expect(first.url).toBe('http://127.0.0.1:5001/events?address=0xab')
    first.emit('hello', hello)
    expect(events.getStatus()).toMatchObject({ connection: 'live', replicaId: 'replica-1' })
    expect(onEvent).toHaveBeenCalledWith({ event: 'hello', data: hello }, replicas[0])

    // The replica dies; the browser retries every 3 s, each retry fails with an `error`.
    for (let second = 0; second < 4; second += 1) {
      first.emit('error')
      vi.advanceTimersByTime(1000)
    }
    expect(events.getStatus().connection).toBe('reconnecting')
    vi.advanceTimersByTime(1000)
    const next = FakeEventSource.opened[1]!
    expect(first.closed).toBe(true)
    expect(next.url).toBe('http://127.0.0.1:5002/events?address=0xab')
    next.emit('hello', { ...hello, replicaId: 'replica-2' })
    expect(events.getStatus()).toMatchObject({ connection: 'live', replicaId: 'replica-2' })
    events.stop()
  })

  it('stays on a replica that comes back within the grace period, and ignores bad events', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ replicas, onEvent, failoverMs: 5000 })
    events.start()
    const source = FakeEventSource.opened[0]!
    source.emit('error')
    vi.advanceTimersByTime(3000)
    source.emit('hello', hello)
    source.emit('book', { market: 'ETH/USDT' }) // malformed: dropped
    vi.advanceTimersByTime(10_000)
    expect(FakeEventSource.opened).toHaveLength(1)
    expect(events.getStatus().connection).toBe('live')
    expect(onEvent).toHaveBeenCalledTimes(1)
    events.stop()
  })

  it('on `reset` reconnects afresh to the same replica, and the new hello resyncs', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ replicas, onEvent, failoverMs: 5000 })
    events.start()
    const first = FakeEventSource.opened[0]!
    first.emit('hello', hello)
    first.emit('reset', { reason: 'slow_consumer' })
    // The old stream is closed at once: the browser must not resume it with Last-Event-ID,
    // which would replay the backlog the replica just gave up on.
    expect(first.closed).toBe(true)
    expect(onEvent).toHaveBeenLastCalledWith(
      { event: 'reset', data: { reason: 'slow_consumer' } },
      replicas[0],
    )
    expect(events.getStatus().connection).toBe('reconnecting')
    vi.advanceTimersByTime(2000)
    const next = FakeEventSource.opened[1]!
    expect(next.url).toBe('http://127.0.0.1:5001/events')
    next.emit('hello', hello)
    expect(events.getStatus().connection).toBe('live')
    expect(onEvent).toHaveBeenLastCalledWith({ event: 'hello', data: hello }, replicas[0])
    events.stop()
  })
})
