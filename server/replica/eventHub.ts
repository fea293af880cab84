import type { HeartbeatEvent, SseEventName } from '../../shared/api/index.ts'

/**
 * How often every stream gets a `heartbeat` (default of `heartbeatMs`). Short enough that a
 * client's silence timer (a few intervals) moves it off a hung replica or a half-open connection
 * within seconds; it costs each stream one tiny event per interval.
 */
export const heartbeatIntervalMs = 2_000

/** One event as the hub keeps it: data already serialized, and who it is about. */
export interface HubEvent {
  /** Undefined only on a heartbeat when no event came since a reset. */
  readonly id: number | undefined
  readonly event: SseEventName
  readonly data: string
  /** Addresses the event concerns; undefined for events everyone receives. */
  readonly addresses?: readonly string[]
}

/** A published event: it always has its id. */
type NumberedEvent = HubEvent & { readonly id: number }

/** What a publisher hands in. */
export interface OutgoingEvent {
  readonly event: SseEventName
  readonly data: unknown
  /** `data` already serialized (a relayed event keeps its publisher's exact text). */
  readonly json?: string
  /**
   * The event's id, for a relayed event: its publisher's, so that every API process of one
   * replica numbers an event alike and a client resumes on any of them. Above every id given
   * before; without it the hub numbers the event itself.
   */
  readonly id?: number
  readonly addresses?: readonly string[]
}

/** Which events a stream wants: those about `address` (if set), of `types` (if set). */
export interface EventFilter {
  readonly address?: string | undefined
  readonly types?: ReadonlySet<string> | undefined
}

interface Subscriber {
  readonly filter: EventFilter
  readonly deliver: (events: readonly HubEvent[]) => void
  readonly onReset: (() => void) | undefined
}

/** Parameters of `EventHub`. */
export interface EventHubParameters {
  /** Events kept for `Last-Event-ID` resumption (default 10,000). */
  readonly bufferSize?: number
  /**
   * Most streams at once (default 512). `publish` runs on the apply thread and filters every
   * event for every stream, so this bounds the apply loop's fan-out work as well as memory.
   */
  readonly subscribersMax?: number
  /** Interval of the `heartbeat` every stream gets (default `heartbeatIntervalMs`). */
  readonly heartbeatMs?: number
  /**
   * How long after the last stream left its events are still wanted (default 30 s), so that
   * a stream that comes back (an API process's relay after a broken connection) can resume.
   */
  readonly resumeWindowMs?: number
  /** Milliseconds; injected for tests. */
  readonly now?: () => number
  /**
   * The first event's id (default 1). A replica starts above any id its previous run can have
   * given (see `firstEventIdNow`), so that an id from before a restart is never taken for one
   * after it.
   */
  readonly firstId?: number
}

/**
 * A first event id above every id a previous run of this process gave, as long as that run
 * averaged under 1,000 events per millisecond: the time in microsecond-sized steps. Event ids
 * are a transport detail, never part of the replicated state, so the clock is fine here.
 */
export function firstEventIdNow(): number {
  return Date.now() * 1_000
}

/** A stream's hold on the hub. */
export interface HubSubscription {
  readonly unsubscribe: () => void
  /** False when some events after `lastEventId` are no longer buffered. */
  readonly resumable: boolean
}

/**
 * Fans events out to the SSE streams. Every event gets an id above every earlier one (the next
 * one, or its publisher's for a relayed event); the last `bufferSize` events are kept so a client
 * reconnecting with `Last-Event-ID` gets what it missed, or learns it cannot (`resumable: false`:
 * some events after its id are no longer buffered, a reset came after it, or this hub never gave
 * that id) and refetches its snapshots. At most `subscribersMax` streams are attached at once.
 *
 * While any stream is attached, each gets a `heartbeat` every `heartbeatMs`, whatever its filter,
 * after everything published before it: silence on a stream then means it is dead, even when no
 * batch is applied. A heartbeat is not buffered; its id is the latest event's, so a client that
 * resumes from it misses nothing.
 */
export class EventHub {
  private nextId: number
  /** Ids up to this one were given before the last `reset`: no resumption from them. */
  private resetAtId = 0
  private readonly buffer: NumberedEvent[] = []
  private readonly subscribers = new Set<Subscriber>()
  private readonly bufferSize: number
  readonly subscribersMax: number
  private readonly heartbeatMs: number
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  private readonly resumeWindowMs: number
  private readonly now: () => number
  /** When the last stream left; undefined while streams are attached or none ever was. */
  private lastLeftAt: number | undefined

  constructor(parameters: EventHubParameters = {}) {
    this.bufferSize = parameters.bufferSize ?? 10_000
    this.subscribersMax = parameters.subscribersMax ?? 512
    this.heartbeatMs = parameters.heartbeatMs ?? heartbeatIntervalMs
    this.resumeWindowMs = parameters.resumeWindowMs ?? 30_000
    this.now = parameters.now ?? (() => Date.now())
    this.nextId = parameters.firstId ?? 1
  }

  /**
   * Whether events are worth making: some stream is attached, or one left less than
   * `resumeWindowMs` ago and may resume with `Last-Event-ID`. The publisher skips building the
   * events of a batch nobody wants.
   */
  get wanted(): boolean {
    if (this.subscribers.size > 0) return true
    return this.lastLeftAt !== undefined && this.now() - this.lastLeftAt < this.resumeWindowMs
  }

  /** Number of connected streams. */
  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** The last id given, reset or not: a publisher's next id must be above it. */
  get lastId(): number {
    return this.nextId - 1
  }

  /**
   * The id a stream opened now resumes from (its `hello`'s): the last event's, or undefined when
   * no event came since a reset (none to resume from; the one before the reset is not).
   */
  get resumeId(): number | undefined {
    const last = this.nextId - 1
    return last > this.resetAtId ? last : undefined
  }

  publish(outgoing: readonly OutgoingEvent[]): void {
    if (outgoing.length === 0) return
    const events = outgoing.map((item): NumberedEvent => {
      const id = item.id ?? this.nextId
      if (!Number.isSafeInteger(id) || id < this.nextId) {
        throw new RangeError(`event id ${id} is not above the last one (${this.nextId - 1})`)
      }
      this.nextId = id + 1
      return {
        id,
        event: item.event,
        data: item.json ?? JSON.stringify(item.data),
        ...(item.addresses === undefined ? {} : { addresses: item.addresses }),
      }
    })
    this.buffer.push(...events)
    if (this.buffer.length > this.bufferSize) {
      this.buffer.splice(0, this.buffer.length - this.bufferSize)
    }
    for (const subscriber of this.subscribers) {
      const visible = events.filter((event) => isVisible(event, subscriber.filter))
      if (visible.length > 0) subscriber.deliver(visible)
    }
  }

  /**
   * Subscribes a stream, or returns undefined when `subscribersMax` streams are attached. With
   * `lastEventId`, the buffered events after it are delivered first; `resumable` is false when
   * some of them are no longer buffered.
   */
  subscribe(
    filter: EventFilter,
    deliver: (events: readonly HubEvent[]) => void,
    lastEventId?: number,
    onReset?: () => void,
  ): HubSubscription | undefined {
    if (this.subscribers.size >= this.subscribersMax) return undefined
    const resumable = lastEventId === undefined || this.canResumeAfter(lastEventId)
    if (lastEventId !== undefined && resumable) {
      const missed = this.buffer.filter(
        (event) => event.id > lastEventId && isVisible(event, filter),
      )
      if (missed.length > 0) deliver(missed)
    }
    const subscriber = { filter, deliver, onReset }
    this.subscribers.add(subscriber)
    this.heartbeatTimer ??= setInterval(() => this.beat(), this.heartbeatMs)
    // A replica with streams attached still exits when it is told to stop.
    this.heartbeatTimer.unref?.()
    const unsubscribe = () => {
      if (!this.subscribers.delete(subscriber)) return
      if (this.subscribers.size > 0) return
      this.lastLeftAt = this.now()
      clearInterval(this.heartbeatTimer)
      this.heartbeatTimer = undefined
    }
    return { unsubscribe, resumable }
  }

  /**
   * Forgets every buffered event and tells every stream (its `onReset`) that events were lost:
   * for a publisher that learns it missed some (an API process whose feed from the applier has
   * a gap), so that no stream goes on as if it had them all. Streams unsubscribe themselves;
   * a resumption from an id before the reset is no longer resumable.
   */
  reset(): void {
    this.buffer.length = 0
    this.resetAtId = this.nextId - 1
    for (const subscriber of [...this.subscribers]) subscriber.onReset?.()
  }

  /**
   * Whether every event after `lastEventId` is still here: an id this hub gave (not one of
   * another process, or of a later event it has not had yet), after the last reset, and no
   * younger than the oldest buffered event's predecessor.
   */
  private canResumeAfter(lastEventId: number): boolean {
    if (lastEventId > this.nextId - 1 || lastEventId <= this.resetAtId) return false
    const oldest = this.buffer[0]?.id ?? this.nextId
    return lastEventId + 1 >= oldest
  }

  /** One `heartbeat` to every stream (see the class comment). */
  private beat(): void {
    const data: HeartbeatEvent = { intervalMs: this.heartbeatMs }
    const heartbeat: HubEvent = {
      id: this.resumeId,
      event: 'heartbeat',
      data: JSON.stringify(data),
    }
    for (const subscriber of this.subscribers) subscriber.deliver([heartbeat])
  }
}

function isVisible(event: HubEvent, filter: EventFilter): boolean {
  if (filter.types !== undefined && !filter.types.has(event.event)) return false
  const { address } = filter
  return address === undefined || event.addresses === undefined || event.addresses.includes(address)
}
