import { createServer, type Server, type ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ReplicaEvents } from './replicaEvents.ts'
import { SseConnectionError, type SseConnectionHandlers } from './sseConnection.ts'
import { assessStream } from './streamHealth.ts'

/** A stand-in for a replica's stream connection that a test drives by hand. */
class FakeConnection {
  static opened: FakeConnection[] = []
  closed = false
  constructor(
    readonly url: string,
    private readonly handlers: SseConnectionHandlers,
  ) {
    FakeConnection.opened.push(this)
  }
  close() {
    this.closed = true
  }
  emit(name: string, data?: unknown) {
    if (name === 'error') this.handlers.onError(new SseConnectionError('broke'), true)
    else this.handlers.onMessage({ event: name, data: JSON.stringify(data), lastEventId: '' })
  }
  /** The connection gave up (a refusal, an event over the cap): it will not retry. */
  giveUp() {
    this.handlers.onError(new SseConnectionError('an event over the cap'), false)
  }
}
const connect = (url: string, handlers: SseConnectionHandlers) => new FakeConnection(url, handlers)

const replicas = [
  { id: 'replica-1', url: 'http://127.0.0.1:5001' },
  { id: 'replica-2', url: 'http://127.0.0.1:5002' },
]
const hello = { replicaId: 'replica-1', appliedIndex: 4, books: [] }

beforeEach(() => {
  vi.useFakeTimers()
  FakeConnection.opened = []
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ReplicaEvents', () => {
  it('moves to the next replica when the browser keeps retrying a dead one', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({
      connect,
      replicas,
      quorum: 2,
      address: '0xab',
      onEvent,
      failoverMs: 5000,
    })
    events.start()
    const first = FakeConnection.opened[0]!
    expect(first.url).toBe('http://127.0.0.1:5001/events?address=0xab')
    first.emit('hello', hello)
    expect(events.getStatus()).toMatchObject({ connection: 'live', replicaId: 'replica-1' })
    expect(onEvent).toHaveBeenCalledWith({ event: 'hello', data: hello }, replicas[0])

    // The replica dies; the connection retries every 3 s, each retry fails with an `error`.
    for (let second = 0; second < 4; second += 1) {
      first.emit('error')
      vi.advanceTimersByTime(1000)
    }
    expect(events.getStatus().connection).toBe('reconnecting')
    vi.advanceTimersByTime(1000)
    const next = FakeConnection.opened[1]!
    expect(first.closed).toBe(true)
    expect(next.url).toBe('http://127.0.0.1:5002/events?address=0xab')
    next.emit('hello', { ...hello, replicaId: 'replica-2' })
    expect(events.getStatus()).toMatchObject({ connection: 'live', replicaId: 'replica-2' })
    events.stop()
  })

  it('moves on a second after the connection gives up, without a hot loop', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent: vi.fn() })
    events.start()
    const first = FakeConnection.opened[0]!
    first.emit('hello', hello)
    first.giveUp()
    expect(events.getStatus().connection).toBe('reconnecting')
    expect(String(warn.mock.calls[0])).toContain('replica-1 is closed: an event over the cap')
    vi.advanceTimersByTime(999)
    expect(FakeConnection.opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeConnection.opened[1]!.url).toBe('http://127.0.0.1:5002/events')
    events.stop()
    warn.mockRestore()
  })

  it('stays on a replica that comes back within the grace period, and ignores bad events', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent, failoverMs: 5000 })
    events.start()
    const source = FakeConnection.opened[0]!
    source.emit('error')
    vi.advanceTimersByTime(3000)
    source.emit('hello', hello)
    source.emit('book', { market: 'ETH/USDT' }) // malformed: dropped
    for (let beat = 0; beat < 5; beat += 1) {
      vi.advanceTimersByTime(2000)
      source.emit('heartbeat', { intervalMs: 2000 })
    }
    expect(FakeConnection.opened).toHaveLength(1)
    expect(events.getStatus().connection).toBe('live')
    expect(onEvent).toHaveBeenCalledTimes(1)
    events.stop()
  })

  it('on `reset` reconnects afresh to the same replica, and the new hello resyncs', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent, failoverMs: 5000 })
    events.start()
    const first = FakeConnection.opened[0]!
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
    const next = FakeConnection.opened[1]!
    expect(next.url).toBe('http://127.0.0.1:5001/events')
    next.emit('hello', hello)
    expect(events.getStatus().connection).toBe('live')
    expect(onEvent).toHaveBeenLastCalledWith({ event: 'hello', data: hello }, replicas[0])
    events.stop()
  })

  it('a live stream that stops delivering what the replicas report is marked stale, then moves on', () => {
    const events = new ReplicaEvents({
      connect,
      replicas,
      quorum: 2,
      onEvent: vi.fn(),
      staleFailoverMs: 4000,
    })
    events.start()
    const first = FakeConnection.opened[0]!
    first.emit('hello', hello)
    const report = (index: number, reachable = true) => [
      { id: 'replica-1', appliedIndex: index, reachable },
      { id: 'replica-2', appliedIndex: index, reachable: true },
    ]
    // Keeping up: nothing happens.
    events.observeReplicas(report(4), 0)
    events.observeReplicas(report(4), 10_000)
    expect(events.getStatus()).toMatchObject({ connection: 'live', stale: false })
    // The replicas apply batches 5 and 6; no event arrives (a half-open connection).
    events.observeReplicas(report(6), 11_000)
    events.observeReplicas(report(6), 13_000)
    expect(events.getStatus()).toMatchObject({ connection: 'live', stale: true })
    expect(FakeConnection.opened).toHaveLength(1)
    events.observeReplicas(report(6), 15_000)
    expect(first.closed).toBe(true)
    expect(FakeConnection.opened[1]!.url).toBe('http://127.0.0.1:5002/events')
    expect(events.getStatus()).toMatchObject({ replicaId: 'replica-2', stale: false })
    events.stop()
  })

  it('moves on from a replica that stopped answering while its stream stays open', () => {
    const events = new ReplicaEvents({
      connect,
      replicas,
      quorum: 2,
      onEvent: vi.fn(),
      staleFailoverMs: 4000,
    })
    events.start()
    FakeConnection.opened[0]!.emit('hello', hello)
    const hung = [
      { id: 'replica-1', appliedIndex: undefined, reachable: false },
      { id: 'replica-2', appliedIndex: 4, reachable: true },
    ]
    events.observeReplicas(hung, 0)
    events.observeReplicas(hung, 4000)
    expect(FakeConnection.opened[1]!.url).toBe('http://127.0.0.1:5002/events')
    events.stop()
  })
  it('moves on after one report of a stuck stream, though no later report changes', () => {
    const events = new ReplicaEvents({
      connect,
      replicas,
      quorum: 2,
      onEvent: vi.fn(),
      staleFailoverMs: 4000,
    })
    events.start()
    FakeConnection.opened[0]!.emit('hello', hello)
    // The replicas applied batch 6 and then nothing more: their reports stay the same.
    events.observeReplicas(
      [
        { id: 'replica-1', appliedIndex: 6, reachable: true },
        { id: 'replica-2', appliedIndex: 6, reachable: true },
      ],
      0,
    )
    vi.advanceTimersByTime(2000)
    expect(events.getStatus()).toMatchObject({ replicaId: 'replica-1', stale: true })
    vi.advanceTimersByTime(2000)
    expect(FakeConnection.opened[1]!.url).toBe('http://127.0.0.1:5002/events')
    expect(events.getStatus()).toMatchObject({ replicaId: 'replica-2', stale: false })
    events.stop()
  })
})

describe('ReplicaEvents status', () => {
  it('changes once per batch at most, not per event', () => {
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent: vi.fn() })
    events.start()
    const source = FakeConnection.opened[0]!
    source.emit('hello', hello)
    const changes = vi.fn()
    events.subscribe(changes)
    const book = { market: 'ETH/USDT', seq: 1, side: 'buy', price: '1', quantity: '1', index: 5 }
    for (let seq = 1; seq <= 5; seq += 1) source.emit('book', { ...book, seq })
    source.emit('heartbeat', { intervalMs: 2000 })
    expect(changes).not.toHaveBeenCalled()
    source.emit('applied', { index: 5, chainingHash: '0x', time: 0 })
    expect(changes).toHaveBeenCalledTimes(1)
    expect(events.getStatus().appliedIndex).toBe(5)
    events.stop()
  })
})

describe('ReplicaEvents silence timer', () => {
  const beat = { intervalMs: 2000 }

  it('keeps a quiet stream whose heartbeats arrive, without passing them on', () => {
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent })
    events.start()
    const source = FakeConnection.opened[0]!
    source.emit('hello', hello)
    for (let second = 0; second < 60; second += 2) {
      vi.advanceTimersByTime(2000)
      source.emit('heartbeat', beat)
    }
    expect(FakeConnection.opened).toHaveLength(1)
    expect(events.getStatus()).toMatchObject({ connection: 'live', replicaId: 'replica-1' })
    expect(onEvent.mock.calls.map(([event]) => event.event)).toEqual(['hello'])
    events.stop()
  })

  it('moves a live stream that goes silent (no error, no byte) to the next replica', () => {
    // A half-open connection on a quiet market: the replicas apply nothing and every `/status`
    // answers, so only the missing heartbeats tell.
    const onEvent = vi.fn()
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent })
    events.start()
    const first = FakeConnection.opened[0]!
    first.emit('hello', hello)
    vi.advanceTimersByTime(2000)
    first.emit('heartbeat', beat)
    vi.advanceTimersByTime(2000)
    first.emit('applied', { index: 5, chainingHash: '0x', time: 0 })
    // Silent from here: three intervals after the last event it moves on, not before.
    vi.advanceTimersByTime(5999)
    expect(FakeConnection.opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(first.closed).toBe(true)
    const next = FakeConnection.opened[1]!
    expect(next.url).toBe('http://127.0.0.1:5002/events')
    expect(events.getStatus()).toMatchObject({ replicaId: 'replica-2', connection: 'reconnecting' })
    // The new stream's hello is what makes the consumers resync their snapshots.
    next.emit('hello', { ...hello, replicaId: 'replica-2' })
    expect(onEvent).toHaveBeenLastCalledWith(
      { event: 'hello', data: { ...hello, replicaId: 'replica-2' } },
      replicas[1],
    )
    expect(events.getStatus()).toMatchObject({ replicaId: 'replica-2', connection: 'live' })
    events.stop()
  })

  it('sizes the silence to the interval the heartbeats state, within a bound', () => {
    const events = new ReplicaEvents({ connect, replicas, quorum: 2, onEvent: vi.fn() })
    events.start()
    const first = FakeConnection.opened[0]!
    first.emit('hello', hello)
    first.emit('heartbeat', { intervalMs: 5000 })
    vi.advanceTimersByTime(14_999)
    expect(FakeConnection.opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeConnection.opened).toHaveLength(2)
    const second = FakeConnection.opened[1]!
    second.emit('hello', { ...hello, replicaId: 'replica-2' })
    second.emit('heartbeat', { intervalMs: 3_600_000 })
    vi.advanceTimersByTime(30_000)
    expect(FakeConnection.opened).toHaveLength(3)
    events.stop()
  })

  it('leaves a broken connection to the failover timer, and a stopped stream alone', () => {
    const events = new ReplicaEvents({
      connect,
      replicas,
      quorum: 2,
      onEvent: vi.fn(),
      failoverMs: 20_000,
    })
    events.start()
    const first = FakeConnection.opened[0]!
    first.emit('hello', hello)
    first.emit('error')
    vi.advanceTimersByTime(19_999)
    expect(FakeConnection.opened).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeConnection.opened).toHaveLength(2)
    FakeConnection.opened[1]!.emit('hello', hello)
    events.stop()
    vi.advanceTimersByTime(60_000)
    expect(FakeConnection.opened).toHaveLength(2)
  })
})

describe('assessStream', () => {
  const live = { connection: 'live' as const, replicaId: 'replica-1', appliedIndex: 5 }
  it('tells keeping up, behind and unreachable apart, and leaves reconnection alone', () => {
    const at = (index: number | undefined, reachable: boolean | undefined) => [
      { id: 'replica-1', appliedIndex: index, reachable },
      { id: 'replica-2', appliedIndex: 5, reachable: true },
    ]
    expect(assessStream(live, at(5, true), 2)).toBe('ok')
    expect(assessStream(live, at(undefined, undefined), 2)).toBe('ok')
    expect(assessStream({ ...live, appliedIndex: 4 }, at(5, true), 2)).toBe('behind')
    expect(assessStream(live, at(undefined, false), 2)).toBe('unreachable')
    expect(assessStream({ ...live, connection: 'reconnecting' }, at(undefined, false), 2)).toBe(
      'ok',
    )
  })

  it('believes an index only once f + 1 replicas reached it: one high report moves nothing', () => {
    const reports = (...indexes: number[]) =>
      indexes.map((appliedIndex, position) => ({
        id: `replica-${position + 1}`,
        appliedIndex,
        reachable: true,
      }))
    // Of 3 replicas with quorum 2, one may lie (f = 1): its 1e12 is one replica's word.
    expect(assessStream(live, reports(5, 5, 1e12), 2)).toBe('ok')
    expect(assessStream(live, reports(5, 1e12, 5), 2)).toBe('ok')
    // Two replicas (one of them honest) past the stream: it is stuck.
    expect(assessStream(live, reports(5, 9, 9), 2)).toBe('behind')
    // Its own replica past it: a half-open stream, whatever the others say.
    expect(assessStream(live, reports(9, 5, 5), 2)).toBe('behind')
    // Fewer than f + 1 replicas answered: no index to believe yet.
    const lone = [
      { id: 'replica-1', appliedIndex: undefined, reachable: undefined },
      { id: 'replica-2', appliedIndex: 1e12, reachable: true },
      { id: 'replica-3', appliedIndex: undefined, reachable: false },
    ]
    expect(assessStream(live, lone, 2)).toBe('ok')
  })
})

describe('ReplicaEvents with one replica reporting a false index', () => {
  const three = [...replicas, { id: 'replica-3', url: 'http://127.0.0.1:5003' }]

  it('keeps the stream on an honest replica that keeps up', () => {
    const events = new ReplicaEvents({
      connect,
      replicas: three,
      quorum: 2,
      onEvent: vi.fn(),
      staleFailoverMs: 4000,
    })
    events.start()
    FakeConnection.opened[0]!.emit('hello', { ...hello, appliedIndex: 5 })
    const report = [
      { id: 'replica-1', appliedIndex: 5, reachable: true },
      { id: 'replica-2', appliedIndex: 5, reachable: true },
      { id: 'replica-3', appliedIndex: 1e12, reachable: true },
    ]
    for (let at = 0; at <= 20_000; at += 2000) events.observeReplicas(report, at)
    expect(FakeConnection.opened).toHaveLength(1)
    expect(events.getStatus()).toMatchObject({ replicaId: 'replica-1', stale: false })
    events.stop()
  })
})

describe('ReplicaEvents over HTTP, with a replica that sends an endless event', () => {
  /** Ports of this file's replica stand-ins (the range this work may use). */
  const ports = [20_430, 20_431]
  const servers: Server[] = []
  beforeEach(() => {
    vi.useRealTimers()
  })
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  /** A replica stand-in whose `GET /events` opens with `hello`, then does `more`. */
  async function replica(port: number, more: (response: ServerResponse) => void): Promise<void> {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      const hello = { replicaId: `replica-${port}`, appliedIndex: 4, books: [] }
      response.write(`event: hello\ndata: ${JSON.stringify(hello)}\n\n`)
      more(response)
    })
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  }

  it('drops the stream at its byte cap and moves to the next replica', async () => {
    const chunk = 'x'.repeat(64 * 1024)
    /** Safety stop for the liar: far past any cap, so reaching it means nobody closed. */
    const liarMaxBytes = 64 * 1024 * 1024
    let liarSent = 0
    let liarDropped = false
    await replica(ports[0]!, (response) => {
      response.write('event: book\ndata: ')
      const send = () => {
        if (response.destroyed || liarSent >= liarMaxBytes) return
        liarSent += chunk.length
        response.write(chunk, () => setImmediate(send))
      }
      response.on('close', () => (liarDropped = true))
      send()
    })
    await replica(ports[1]!, () => {})
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const onEvent = vi.fn()
    const events = new ReplicaEvents({
      replicas: ports.map((port) => ({ id: `replica-${port}`, url: `http://127.0.0.1:${port}` })),
      quorum: 2,
      onEvent,
    })
    events.start()
    try {
      await expect
        .poll(() => events.getStatus(), { timeout: 20_000 })
        .toMatchObject({ replicaId: 'replica-20431', connection: 'live' })
      expect(liarDropped).toBe(true)
      expect(liarSent).toBeLessThan(liarMaxBytes)
      expect(onEvent.mock.calls.map(([event]) => event.event)).toEqual(['hello', 'hello'])
      expect(String(warn.mock.calls[0])).toContain('over 1048576 bytes')
    } finally {
      events.stop()
      warn.mockRestore()
    }
  })
})
