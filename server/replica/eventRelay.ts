import { sseEventSchemas, type HelloEvent } from '../../shared/api/index.ts'
import type { EventHub, OutgoingEvent } from './eventHub.ts'

/*
 * How an API process gets its live events: one SSE stream from its applier (`GET /events`, no
 * filter), re-published batch by batch into the API process's own hub, which serves its
 * clients' streams exactly as the applier's hub serves the applier's.
 */

/** Where the relayed events stand: the stream's `hello` as of the last batch relayed. */
export interface RelayPosition {
  readonly index: number
  readonly books: ReadonlyMap<string, number>
}

/** Parameters of `EventRelay`. */
export interface EventRelayParameters {
  /** The applier's base URL, e.g. `http://127.0.0.1:5001`. */
  readonly applierUrl: string
  readonly hub: EventHub
  readonly log: (line: string) => void
  /** Pause before reconnecting after the stream broke (default 500 ms). */
  readonly reconnectMs?: number
  /**
   * Most events of one batch held until its `applied` event (default 100,000): a batch larger
   * than that is treated as lost events, so a broken feed cannot grow memory without bound.
   */
  readonly batchEventsMax?: number
  readonly fetch?: typeof fetch
}

/** Events whose data names the address they concern, for the hub's per-address filter. */
const addressField: Partial<Record<string, string>> = {
  receipt: 'signer',
  order: 'owner',
  balance: 'address',
}

/**
 * Follows the applier's event stream and re-publishes it, one whole batch (up to and including
 * its `applied` event) at a time, so that a stream opened on this process starts between two
 * batches, as on the applier.
 *
 * Gap-free or reset, never a skip: every relayed batch must be the one after the last (`applied`
 * index + 1) and every book delta the one after its market's last (`seq` + 1). After a broken
 * connection the relay resumes with `Last-Event-ID`, so the applier replays what it still holds;
 * anything else (the applier restarted or no longer holds the missed events, an upstream
 * `reset`, a batch out of order) is a gap: the hub is reset (each stream gets `reset`
 * `events_lost` and its client refetches its snapshots) and the relay starts again from a fresh
 * `hello`. Until the first `hello` (and after a gap, until the next one), `position` is
 * undefined and new streams wait (`ready`).
 */
export class EventRelay {
  private current: { index: number; books: Map<string, number> } | undefined
  /** Events of the batch being received, until its `applied` event. */
  private batch: OutgoingEvent[] = []
  /** The applier's id of the last event relayed, to resume from. */
  private lastUpstreamId: string | undefined
  private readonly controller = new AbortController()
  private connection: AbortController | undefined
  private waiters: (() => void)[] = []
  private running: Promise<void> | undefined
  /** Gaps found so far (each one reset the hub). */
  gaps = 0

  constructor(private readonly parameters: EventRelayParameters) {}

  /** The applied index and book sequence numbers as of the last batch relayed. */
  get position(): RelayPosition | undefined {
    return this.current
  }

  /** Starts following the applier; runs until `stop`. */
  start(): void {
    this.running ??= this.follow()
  }

  async stop(): Promise<void> {
    this.controller.abort()
    this.connection?.abort()
    await this.running
  }

  /** Resolves with the position once the relay holds one, or undefined after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<RelayPosition | undefined> {
    if (this.current !== undefined) return this.current
    let waiter: (() => void) | undefined
    const timer = new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, timeoutMs)
      waiter = () => {
        clearTimeout(timeout)
        resolve()
      }
      this.waiters.push(waiter)
    })
    await timer
    this.waiters = this.waiters.filter((other) => other !== waiter)
    return this.current
  }

  private async follow(): Promise<void> {
    const signal = this.controller.signal
    while (!signal.aborted) {
      try {
        await this.readStream()
      } catch (error) {
        if (signal.aborted) break
        const message = error instanceof Error ? error.message : String(error)
        this.parameters.log(`event relay: ${this.parameters.applierUrl}/events: ${message}`)
      }
      if (signal.aborted) break
      await new Promise((resolve) => setTimeout(resolve, this.parameters.reconnectMs ?? 500))
    }
  }

  /** One connection to the applier's stream, until it ends or breaks. */
  private async readStream(): Promise<void> {
    const connection = new AbortController()
    this.connection = connection
    const onStop = () => connection.abort()
    this.controller.signal.addEventListener('abort', onStop, { once: true })
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' }
      if (this.lastUpstreamId !== undefined) headers['Last-Event-ID'] = this.lastUpstreamId
      const doFetch = this.parameters.fetch ?? globalThis.fetch
      const response = await doFetch(`${this.parameters.applierUrl}/events`, {
        headers,
        signal: connection.signal,
      })
      if (!response.ok || response.body === null) {
        await response.body?.cancel()
        throw new Error(`answered ${response.status}`)
      }
      this.batch = []
      const decoder = new TextDecoder()
      let text = ''
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end)
          text = text.slice(end + 2)
          if (!this.receive(block)) {
            connection.abort()
            return
          }
        }
        if (text.length > 1_000_000) throw new Error('an event of over 1 MB')
      }
      throw new Error('the stream ended')
    } finally {
      this.controller.signal.removeEventListener('abort', onStop)
    }
  }

  /** Handles one SSE block; false when the connection must be dropped (a gap). */
  private receive(block: string): boolean {
    let event = 'message'
    let id: string | undefined
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'id') id = value
      else if (field === 'data') data.push(value)
    }
    if (data.length === 0 || event === 'heartbeat') return true
    const schema = sseEventSchemas[event as keyof typeof sseEventSchemas]
    if (schema === undefined) return true
    const json = data.join('\n')
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch {
      return this.gap(`malformed ${event} event`)
    }
    const parsed = schema.safeParse(value)
    if (!parsed.success) return this.gap(`malformed ${event} event`)
    if (event === 'hello') return this.hello(parsed.data as HelloEvent, id)
    if (event === 'reset') return this.gap('the applier reset the stream')
    if (this.current === undefined) return this.gap(`${event} before hello`)
    const field = addressField[event]
    const addresses =
      field === undefined ? undefined : [(parsed.data as Record<string, string>)[field]!]
    const upstreamId = id === undefined ? Number.NaN : Number(id)
    if (!Number.isSafeInteger(upstreamId) || upstreamId <= this.lastEventIdIn()) {
      return this.gap(`${event} event with id ${id ?? 'none'} after ${this.lastEventIdIn()}`)
    }
    this.batch.push({
      event: event as OutgoingEvent['event'],
      data: parsed.data,
      json,
      id: upstreamId,
      ...(addresses === undefined ? {} : { addresses }),
    })
    if (this.batch.length > (this.parameters.batchEventsMax ?? 100_000)) {
      return this.gap('a batch of too many events')
    }
    if (event !== 'applied') return true
    return this.applied(id)
  }

  private hello(hello: HelloEvent, id: string | undefined): boolean {
    if (this.current === undefined) {
      const books = new Map(hello.books.map(({ market, seq }) => [market, seq]))
      this.current = { index: hello.appliedIndex, books }
      // The hello's id is the applier's last event: a resumption replays what follows it.
      this.lastUpstreamId = id
      for (const wake of this.waiters.splice(0)) wake()
      return true
    }
    // Resumed: what the applier still held follows (its batches are checked as they come).
    const { appliedIndex } = hello
    if (appliedIndex < this.current.index) {
      return this.gap(`the applier is at ${appliedIndex}, behind ${this.current.index}`)
    }
    // Ahead, with no event after ours to replay (it made none for batches nobody wanted): lost
    // now, rather than at the next batch, which may be long in coming. (An applier that cannot
    // replay from our id, e.g. after its restart, sends `reset` instead.)
    const nothingToReplay = Number(id ?? 0) <= Number(this.lastUpstreamId ?? 0)
    if (appliedIndex > this.current.index && nothingToReplay) {
      return this.gap(
        `the applier is at ${appliedIndex} and cannot replay from ${this.current.index}`,
      )
    }
    return true
  }

  /**
   * The id an event from the applier must be above: the last one received, or the last the hub
   * gave (a restarted applier's ids start above its earlier ones; see `firstEventIdNow`).
   */
  private lastEventIdIn(): number {
    return this.batch.at(-1)?.id ?? this.parameters.hub.lastId
  }

  /** The batch is complete: checked for continuity, then published at once. */
  private applied(id: string | undefined): boolean {
    const current = this.current!
    const events = this.batch
    this.batch = []
    const applied = events.at(-1)!.data as { index: number }
    if (applied.index !== current.index + 1) {
      return this.gap(`batch ${applied.index} after ${current.index}`)
    }
    const books = new Map(current.books)
    for (const event of events) {
      if (event.event !== 'book') continue
      const { market, seq } = event.data as { market: string; seq: number }
      const last = books.get(market) ?? 0
      if (seq !== last + 1) return this.gap(`${market} book delta ${seq} after ${last}`)
      books.set(market, seq)
    }
    this.current = { index: applied.index, books }
    this.lastUpstreamId = id
    this.parameters.hub.publish(events)
    return true
  }

  /** Events were lost: every stream is reset and the relay starts again from a fresh hello. */
  private gap(reason: string): false {
    this.gaps += 1
    this.parameters.log(`event relay: events lost (${reason}); resetting the streams`)
    this.current = undefined
    this.lastUpstreamId = undefined
    this.batch = []
    this.parameters.hub.reset()
    return false
  }
}
