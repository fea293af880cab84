import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { eventsQuerySchema, type HelloEvent } from '../../../shared/api/index.ts'
import type { HubEvent } from '../eventHub.ts'
import type { ReplicaDeps } from '../replicaDeps.ts'
import { canonicalAddress, parseQuery } from './requestParsing.ts'

/** Events a slow client may fall behind by before its stream is closed (it reconnects). */
const maxQueuedEvents = 20_000
const pingIntervalMs = 15_000

/**
 * `GET /events[?address][&types]`: the one multiplexed SSE stream (see `shared/api/events.ts`). It
 * starts with `hello`, resumes from `Last-Event-ID` while the events are still buffered, pings
 * every 15 s, and releases its subscription when the client leaves (both abort paths).
 */
export function eventRoutes(deps: ReplicaDeps) {
  return new Hono().get('/events', (c) => {
    const query = parseQuery(c, eventsQuerySchema)
    const address = query.address === undefined ? undefined : canonicalAddress(query.address)
    const lastHeader = c.req.header('Last-Event-ID')
    const lastEventId =
      lastHeader !== undefined && /^[0-9]{1,15}$/.test(lastHeader)
        ? Number.parseInt(lastHeader, 10)
        : undefined
    return streamSSE(c, async (stream) => {
      const queue: HubEvent[] = []
      let wake: (() => void) | undefined
      let closed = false
      const close = () => {
        closed = true
        wake?.()
      }
      stream.onAbort(close)
      c.req.raw.signal.addEventListener('abort', close)
      const hello: HelloEvent = {
        replicaId: deps.replicaId,
        appliedIndex: deps.state.position.index,
        books: [...deps.state.exchange.markets.keys()].map((market) => ({
          market,
          seq: deps.state.exchange.engine.depth(market, 0).seq,
        })),
      }
      await stream.writeSSE({
        event: 'hello',
        id: String(deps.hub.upcomingId - 1),
        data: JSON.stringify(hello),
      })
      const types = query.types === undefined ? undefined : new Set<string>(query.types)
      const subscription = deps.hub.subscribe(
        { address, types },
        (events) => {
          queue.push(...events)
          if (queue.length > maxQueuedEvents) close()
          wake?.()
        },
        lastEventId,
      )
      const ping = setInterval(() => void stream.write(': ping\n\n'), pingIntervalMs)
      try {
        while (!closed && !stream.aborted) {
          const event = queue.shift()
          if (event === undefined) {
            await new Promise<void>((resolve) => (wake = resolve))
            wake = undefined
            continue
          }
          await stream.writeSSE({ event: event.event, id: String(event.id), data: event.data })
        }
      } finally {
        clearInterval(ping)
        subscription.unsubscribe()
      }
    })
  })
}
