import { parseSseEvent, type SseEvent, type SseEventName } from '../../../shared/api/index.ts'
import { replicaApi, type ReplicaRef } from './replicaClient.ts'
import { SseConnection, type SseConnectionHandlers } from './sseConnection.ts'
import { assessStream, type ReplicaProgress } from './streamHealth.ts'

/** Connection state of the live stream, as the indicator shows it. */
type StreamConnection = 'connecting' | 'live' | 'reconnecting'

export interface StreamStatus {
  readonly connection: StreamConnection
  /** The replica the stream is attached to. */
  readonly replicaId: string | undefined
  /**
   * Highest `applied` index received on this stream. The status changes once per batch at most,
   * never per event: whatever renders from it renders once per batch.
   */
  readonly appliedIndex: number | undefined
  /** Live, but not delivering what the replicas report (see `observeReplicas`). */
  readonly stale: boolean
}

export interface ReplicaEventsParameters {
  readonly replicas: readonly ReplicaRef[]
  /**
   * The registry's quorum: of the replicas' `/status` reports, only an index that more than
   * `replicas.length − quorum` of them reached can show the stream behind (`assessStream`).
   */
  readonly quorum: number
  /** Limits `receipt`, `order` and `balance` events to this address. */
  readonly address?: string | undefined
  /**
   * Every parsed event; `hello` opens each (re)connection and means "resync everything", and so
   * does `reset` (the replica dropped the stream; a fresh one follows).
   */
  readonly onEvent: (event: SseEvent, replica: ReplicaRef) => void
  /** How long a broken connection may retry the same replica before moving on. */
  readonly failoverMs?: number
  /** How long a live stream may be unhealthy (`assessStream`) before it moves on; 4 s. */
  readonly staleFailoverMs?: number
  /** Opens one connection to a replica's stream; default an `SseConnection` (tests pass a fake). */
  readonly connect?: (url: string, handlers: SseConnectionHandlers) => EventStreamConnection
}

/** One open connection to a replica's event stream. */
export interface EventStreamConnection {
  close(): void
}

/** Heartbeat intervals a live stream may stay silent before it moves on. */
const silentBeatsMax = 3
/** Heartbeat interval assumed until the stream's first `heartbeat` states it (the replicas'). */
const defaultHeartbeatMs = 2000
/** Longest heartbeat interval believed: a stream is given up after 30 s of silence at most. */
const maxHeartbeatMs = 10_000

const eventNames: readonly SseEventName[] = [
  'hello',
  'reset',
  'heartbeat',
  'applied',
  'receipt',
  'balance',
  'book',
  'trade',
  'order',
]

/** Least pause before reopening a stream the replica reset; a random share of 1 s is added. */
const resetReopenMs = 500

/**
 * One multiplexed `GET /events` stream, attached to one replica at a time, read through an
 * `SseConnection` (an `EventSource` with a cap on what one event may take: a replica sending an
 * endless event has its stream closed, and the stream moves on as from any replica that refuses
 * it). When the connection breaks it retries for `failoverMs`, resuming with `Last-Event-ID`,
 * then moves to the next replica of the registry. Every (re)connection starts with `hello`, on
 * which consumers resync snapshots, so nothing depends on the server replaying missed events.
 * A `reset` (the replica dropped a stream that fell too far behind, or gave its place to a
 * client with fewer streams) closes the stream and opens a fresh one on the same replica,
 * without `Last-Event-ID`: resuming would ask for the very backlog the replica gave up on. A
 * replica that refuses it moves it on.
 *
 * A stream can also fail without an error: its replica hangs, or the connection goes half-open,
 * and no byte arrives. `observeReplicas` compares the stream with what the replicas report
 * (`assessStream`: its own replica, or more of them than may lie); a stream behind them, or
 * attached to a replica that stopped answering, is marked stale after
 * half of `staleFailoverMs` and moved to the next replica after all of it. And every replica
 * sends each stream a `heartbeat` every couple of seconds: a live stream silent for
 * `silentBeatsMax` heartbeat intervals is dead (even on a quiet market, even while its replica
 * answers `/status`) and moves to the next replica. Heartbeats are not passed to `onEvent`.
 */
export class ReplicaEvents {
  private source: EventStreamConnection | undefined
  private position = 0
  private failoverTimer: ReturnType<typeof setTimeout> | undefined
  private status: StreamStatus = {
    connection: 'connecting',
    replicaId: undefined,
    appliedIndex: undefined,
    stale: false,
  }
  /** `performance.now()` since which the live stream has been unhealthy. */
  private unhealthySince: number | undefined
  /** Checks the last report again at the next stale or failover deadline. */
  private recheckTimer: ReturnType<typeof setTimeout> | undefined
  /** Fires when the live stream has been silent too long (see the class comment). */
  private silenceTimer: ReturnType<typeof setTimeout> | undefined
  /** The interval the stream's heartbeats state. */
  private heartbeatMs = defaultHeartbeatMs
  private readonly listeners = new Set<() => void>()
  private stopped = false
  /** `performance.now()` of the last event of any kind, heartbeats included. */
  private lastHeardAt = 0

  constructor(private readonly parameters: ReplicaEventsParameters) {}

  /** For `useSyncExternalStore`. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  readonly getStatus = (): StreamStatus => this.status

  /** The replica the stream is attached to (the app's primary for reads and writes). */
  currentReplica(): ReplicaRef | undefined {
    return this.parameters.replicas[this.position % this.parameters.replicas.length]
  }

  start(): void {
    this.stopped = false
    this.open()
  }

  stop(): void {
    this.stopped = true
    this.disarmFailover()
    this.disarmRecheck()
    this.disarmSilence()
    this.source?.close()
    this.source = undefined
  }

  /** Moves to the next replica now (used when the attached replica is known to be down). */
  failover(): void {
    if (this.stopped) return
    this.position = (this.position + 1) % this.parameters.replicas.length
    this.open()
  }

  /**
   * What the registry's replicas report now (each `/status` poll): marks the stream stale, and
   * fails over, when it has not kept up with them for a while (see the class comment).
   */
  observeReplicas(replicas: readonly ReplicaProgress[], nowMs = performance.now()): void {
    if (this.stopped) return
    this.disarmRecheck()
    const health = assessStream(this.status, replicas, this.parameters.quorum)
    if (health === 'ok') {
      this.unhealthySince = undefined
      if (this.status.stale) this.setStatus({ stale: false })
      return
    }
    this.unhealthySince ??= nowMs
    const unhealthyMs = nowMs - this.unhealthySince
    const failoverMs = this.parameters.staleFailoverMs ?? 4000
    if (unhealthyMs >= failoverMs) {
      this.failover()
      return
    }
    if (unhealthyMs >= failoverMs / 2 && !this.status.stale) this.setStatus({ stale: true })
    // The replicas' reports may not change again (no new batch): the same report, checked again
    // when the next deadline passes, still moves a stuck stream on.
    const wait = (unhealthyMs < failoverMs / 2 ? failoverMs / 2 : failoverMs) - unhealthyMs
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined
      this.observeReplicas(replicas, nowMs + wait)
    }, wait)
  }

  private disarmRecheck(): void {
    clearTimeout(this.recheckTimer)
    this.recheckTimer = undefined
  }

  private open(): void {
    this.disarmFailover()
    this.disarmRecheck()
    this.disarmSilence()
    this.unhealthySince = undefined
    this.source?.close()
    const replica = this.currentReplica()
    if (replica === undefined) return
    const connect =
      this.parameters.connect ??
      ((url: string, handlers: SseConnectionHandlers) => new SseConnection(url, handlers))
    const source = connect(replicaApi.eventsUrl(replica, this.parameters.address), {
      onMessage: (message) => {
        if (this.source !== source) return
        const name = eventNames.find((known) => known === message.event)
        if (name === undefined) return
        const event = parseSseEvent(name, message.data)
        if (event === undefined) return
        this.lastHeardAt = performance.now()
        if (event.event === 'heartbeat') {
          // Bounded: a replica stating a long interval cannot keep a dead stream attached.
          this.heartbeatMs = Math.min(event.data.intervalMs, maxHeartbeatMs)
          return
        }
        if (event.event === 'hello') {
          this.disarmFailover()
          this.setStatus({ connection: 'live', appliedIndex: event.data.appliedIndex })
          this.armSilence()
        } else if (event.event === 'reset') {
          this.reopenSoon()
        } else if (event.event === 'applied') {
          this.setStatus({ appliedIndex: event.data.index })
        }
        this.parameters.onEvent(event, replica)
      },
      onError: (error, retrying) => {
        if (this.source !== source) return
        // Broken, not silent: the connection's retries and the failover timers take over.
        this.disarmSilence()
        if (!retrying) {
          // Given up (a non-200 answer, an event over the cap): move on soon, without a hot
          // loop when every replica refuses.
          console.warn(`The event stream of ${replica.id} is closed: ${error.message}`)
          this.setStatus({ connection: 'reconnecting' })
          this.disarmFailover()
          this.failoverTimer = setTimeout(() => this.failover(), 1000)
          return
        }
        this.setStatus({ connection: 'reconnecting' })
        this.armFailover()
      },
    })
    this.source = source
    this.setStatus({
      connection: this.status.replicaId === undefined ? 'connecting' : 'reconnecting',
      replicaId: replica.id,
      stale: false,
    })
    this.armFailover()
  }

  /**
   * Closes the current stream now and opens a fresh one on the same replica shortly (spread
   * over a second, so the clients of a replica that reset many streams do not all return at
   * once). The connection's own reconnection would resume with `Last-Event-ID`.
   */
  private reopenSoon(): void {
    this.source?.close()
    this.source = undefined
    this.disarmSilence()
    this.setStatus({ connection: 'reconnecting' })
    this.disarmFailover()
    this.failoverTimer = setTimeout(() => this.open(), resetReopenMs + Math.random() * 1000)
  }

  /**
   * Starts the grace period of the current connection, unless one is running: the
   * connection's own retries report an error every few seconds and must not push it back.
   */
  private armFailover(): void {
    if (this.failoverTimer !== undefined) return
    this.failoverTimer = setTimeout(() => {
      this.failoverTimer = undefined
      if (this.status.connection !== 'live') this.failover()
    }, this.parameters.failoverMs ?? 5000)
  }

  /**
   * Watches the live stream for silence: a check at the deadline, pushed back by what was heard
   * meanwhile (one timer per stream, not one per event).
   */
  private armSilence(): void {
    this.disarmSilence()
    const check = () => {
      const silentMs = performance.now() - this.lastHeardAt
      const limitMs = silentBeatsMax * this.heartbeatMs
      if (silentMs >= limitMs) {
        this.silenceTimer = undefined
        this.failover()
        return
      }
      this.silenceTimer = setTimeout(check, limitMs - silentMs)
    }
    this.silenceTimer = setTimeout(check, silentBeatsMax * this.heartbeatMs)
  }

  private disarmSilence(): void {
    clearTimeout(this.silenceTimer)
    this.silenceTimer = undefined
  }

  private disarmFailover(): void {
    clearTimeout(this.failoverTimer)
    this.failoverTimer = undefined
  }

  private setStatus(patch: Partial<StreamStatus>): void {
    this.status = { ...this.status, ...patch }
    for (const listener of this.listeners) listener()
  }
}
