import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { eventsQuerySchema, type HelloEvent, type ResetEvent } from '../../../shared/api/index.ts'
import { ApiError } from '../apiError.ts'
import type { EventHub, HubEvent, HubSubscription } from '../eventHub.ts'
import { clientAddress } from '../../http/clientKey.ts'
import type { EventStreamPlaces } from '../eventStreamPlaces.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

const pingIntervalMs = 15_000
/** What a client refused for a full hub is told to wait before trying again. */
const retryAfterSeconds = 5
/** How long a dropped stream may take to take its `reset` before the connection is cut. */
const resetTimeoutMs = 5_000

/** What the event stream needs: the hub, and where a new stream starts. */
export interface EventRoutesDeps {
  readonly replicaId: string
  readonly hub: EventHub
  /** Most events a stream's client may fall behind before it is reset. */
  readonly eventQueueMax: number
  /** The streams each client holds, and their shares of a full hub (`clientLimits`). */
  readonly streams: EventStreamPlaces
  /**
   * The applied index and every market's book sequence number as of the last event published,
   * read with no await between it and the subscription (`hello`).
   */
  readonly streamStart: () => Promise<{ index: number; books: { market: string; seq: number }[] }>
}

/**
 * `GET /events[?address][&types]`: the one multiplexed SSE stream (see `shared/api/events.ts`).
 * It starts with `hello`, resumes from `Last-Event-ID` while the events are still buffered (else
 * it sends `reset` `events_lost` at once), pings every 15 s, and releases its subscription when
 * the client leaves (both abort paths).
 *
 * Bounded: the hub holds at most `subscribersMax` streams, one client at most
 * `streams.perClientMax` of them (more get 429 `rate_limited` with `Retry-After`). When the hub
 * is full, a client with fewer streams than the biggest holder takes the place of that holder's
 * oldest stream, which is told `reset` (`too_many_streams`) and closed; anyone else gets 503
 * `too_many_subscribers` with `Retry-After` (`EventStreamPlaces`). A stream whose client falls
 * more than `eventQueueMax` events behind is unsubscribed at once, told `reset`, and closed. A
 * stream that does not even take its `reset` within 5 s has its connection cut.
 */
export function eventRoutes(deps: EventRoutesDeps) {
  const queueMax = deps.eventQueueMax
  return new Hono().get('/events', async (c) => {
    const query = parseQuery(c, eventsQuerySchema)
    // Taken with no await before the subscription, so `hello` and the first event are adjacent.
    const start = await deps.streamStart()
    const address = query.address === undefined ? undefined : canonicalAddress(query.address)
    const lastHeader = c.req.header('Last-Event-ID')
    const lastId = lastHeader !== undefined && /^[0-9]{1,16}$/.test(lastHeader) ? +lastHeader : NaN
    const lastEventId = Number.isSafeInteger(lastId) ? lastId : undefined
    const types = query.types === undefined ? undefined : new Set<string>(query.types)
    const client = clientAddress(c)
    // Closed for a client with fewer streams (`EventStreamPlaces`); `drop` is hoisted.
    const place = deps.streams.open(client, () => drop('too_many_streams'))
    if (place === undefined) {
      const refusal = new ApiError(
        'rate_limited',
        `this address holds ${deps.streams.perClientMax} event streams, the most one client may`,
      )
      return c.json(refusal.toBody(), 429, { 'Retry-After': String(retryAfterSeconds) })
    }

    // Subscribed before the stream starts: a full hub is a plain 503 (unless this client's
    // fair share gets it a place), and nothing published between `hello` and the subscription
    // can fall in between.
    let queue: HubEvent[] = []
    let head = 0
    let wake: (() => void) | undefined
    let overflowed: ResetEvent['reason'] | undefined
    let cut: ReturnType<typeof setTimeout> | undefined
    let abortStream: (() => void) | undefined
    let subscription: HubSubscription | undefined
    function drop(reason: ResetEvent['reason']) {
      overflowed = reason
      queue = []
      head = 0
      place!.leaveHub()
      subscription?.unsubscribe()
      cut = setTimeout(() => abortStream?.(), resetTimeoutMs)
      wake?.()
    }
    if (deps.hub.subscriberCount >= deps.hub.subscribersMax) deps.streams.makeRoomFor(client)
    subscription = deps.hub.subscribe(
      { address, types },
      (events) => {
        if (overflowed !== undefined) return
        for (const event of events) queue.push(event)
        if (queue.length - head > queueMax) drop('slow_consumer')
        wake?.()
      },
      lastEventId,
      () => drop('events_lost'),
    )
    if (subscription === undefined) {
      place.release()
      const refusal = new ApiError(
        'too_many_subscribers',
        `this replica serves ${deps.hub.subscribersMax} event streams at most; retry later`,
      )
      return c.json(refusal.toBody(), 503, { 'Retry-After': String(retryAfterSeconds) })
    }
    // Asked to resume where this hub cannot (see `EventHub`): say so rather than go on with a
    // gap the client would not see.
    if (!subscription.resumable) drop('events_lost')
    if (overflowed !== undefined) subscription.unsubscribe()
    const held = subscription
    const hello: HelloEvent = {
      replicaId: deps.replicaId,
      appliedIndex: start.index,
      books: start.books,
    }
    const helloId = deps.hub.resumeId

    return streamSSE(c, async (stream) => {
      let closed = false
      const close = () => {
        closed = true
        wake?.()
      }
      abortStream = () => stream.abort()
      stream.onAbort(close)
      c.req.raw.signal.addEventListener('abort', close)
      // Hono's `write` catches its own errors: a ping never rejects.
      const ping = setInterval(
        // eslint-disable-next-line @typescript-eslint/no-floating-promises -- never rejects
        () => void stream.write(': ping\n\n'),
        pingIntervalMs,
      )
      try {
        await stream.writeSSE({
          event: 'hello',
          ...(helloId === undefined ? {} : { id: String(helloId) }),
          data: JSON.stringify(hello),
        })
        while (!closed && !stream.aborted) {
          if (overflowed !== undefined) {
            const reset: ResetEvent = { reason: overflowed }
            await stream.writeSSE({ event: 'reset', data: JSON.stringify(reset) })
            break
          }
          const event = queue[head]
          if (event === undefined) {
            queue = []
            head = 0
            await new Promise<void>((resolve) => (wake = resolve))
            wake = undefined
            continue
          }
          head += 1
          // Frees what was sent when a client keeps up without ever draining the queue.
          if (head >= 1024 && head * 2 >= queue.length) {
            queue = queue.slice(head)
            head = 0
          }
          await stream.writeSSE({
            event: event.event,
            ...(event.id === undefined ? {} : { id: String(event.id) }),
            data: event.data,
          })
        }
      } finally {
        clearInterval(ping)
        clearTimeout(cut)
        held.unsubscribe()
        place.release()
      }
    })
  })
}
