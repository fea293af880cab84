import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { EventHub, type HubEvent } from './eventHub.ts'
import { EventRelay } from './eventRelay.ts'
import { waitFor } from './testing.ts'

/*
 * The relay's gap checks, against an event stream served over HTTP on 127.0.0.1 whose events the
 * test writes: a batch out of order, or a book delta that skips a sequence number, must reset
 * every stream of the API process (never be passed on), and the relay then starts again from a
 * fresh `hello`. (Resuming after a cut, and a restarted applier, are in apiProcesses.test.ts.)
 */

const stops: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop()
})

/** An SSE endpoint; `send` writes to the open stream, `connections` counts them. */
async function scriptedStream() {
  const open: ServerResponse[] = []
  let connections = 0
  const server = createServer((request, response) => {
    connections += 1
    response.writeHead(200, { 'Content-Type': 'text/event-stream' })
    open.push(response)
    request.on('close', () => open.splice(open.indexOf(response), 1))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  stops.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(resolve)
      }),
  )
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    connections: () => connections,
    connected: () => open.length > 0,
    send(event: string, data: unknown, id?: number) {
      const idLine = id === undefined ? '' : `id: ${id}\n`
      for (const response of open)
        response.write(`event: ${event}\n${idLine}data: ${JSON.stringify(data)}\n\n`)
    },
  }
}

const hello = (appliedIndex: number, seq: number) => ({
  replicaId: 'replica-1',
  appliedIndex,
  books: [{ market: 'ETH/USDT', seq }],
})
const book = (seq: number, index: number) => ({
  market: 'ETH/USDT',
  seq,
  side: 'buy',
  price: '2000000000',
  quantity: '500000000000000000',
  index,
})
const applied = (index: number) => ({ index, chainingHash: `c${index}`, time: 1_000 * index })

async function relayOf(url: string) {
  const hub = new EventHub()
  const relay = new EventRelay({ applierUrl: url, hub, log: () => {}, reconnectMs: 50 })
  relay.start()
  stops.push(() => relay.stop())
  const received: string[] = []
  let resets = 0
  const stream = hub.subscribe(
    {},
    (events) => received.push(...events.map((event) => event.event)),
    undefined,
    () => (resets += 1),
  )!
  stops.push(async () => stream.unsubscribe())
  return { relay, hub, received, resets: () => resets }
}

describe('EventRelay', () => {
  it('passes on whole batches in order, and resets the streams at a batch out of order', async () => {
    const upstream = await scriptedStream()
    const { relay, received, resets } = await relayOf(upstream.url)
    await waitFor(upstream.connected)
    upstream.send('hello', hello(4, 7), 10)
    upstream.send('book', book(8, 5), 11)
    upstream.send('applied', applied(5), 12)
    await waitFor(() => relay.position?.index === 5)
    expect(received).toEqual(['book', 'applied'])
    expect(relay.position?.books.get('ETH/USDT')).toBe(8)

    upstream.send('applied', applied(7), 13) // batch 6 never came
    await waitFor(() => resets() === 1)
    expect(received).toEqual(['book', 'applied'])
    expect(relay.gaps).toBe(1)
    // Afresh: a new connection, whose hello is the new starting point.
    await waitFor(() => upstream.connections() === 2 && upstream.connected())
    upstream.send('hello', hello(7, 8), 1)
    await waitFor(() => relay.position?.index === 7)
  })

  it("numbers relayed events with the applier's ids: a client resumes on another API process", async () => {
    const upstream = await scriptedStream()
    const first = await relayOf(upstream.url)
    await waitFor(upstream.connected)
    upstream.send('hello', hello(4, 7), 10)
    upstream.send('book', book(8, 5), 11)
    upstream.send('applied', applied(5), 12)
    await waitFor(() => first.relay.position?.index === 5)
    // A second API process joins at batch 5.
    const second = await relayOf(upstream.url)
    await waitFor(() => upstream.connections() === 2)
    upstream.send('hello', hello(5, 8), 12)
    await waitFor(() => second.relay.position?.index === 5)
    upstream.send('book', book(9, 6), 13)
    upstream.send('applied', applied(6), 14)
    await waitFor(() => first.relay.position?.index === 6 && second.relay.position?.index === 6)
    expect(first.hub.lastId).toBe(14)
    // A client that read up to batch 5 on the first process resumes on the second.
    const replayed: HubEvent[] = []
    const resumed = second.hub.subscribe({}, (events) => replayed.push(...events), 12)!
    resumed.unsubscribe()
    expect(resumed.resumable).toBe(true)
    expect(replayed.map((event) => [event.event, event.id])).toEqual([
      ['book', 13],
      ['applied', 14],
    ])
  })

  it('resets the streams at a book delta that skips a sequence number', async () => {
    const upstream = await scriptedStream()
    const { relay, received, resets } = await relayOf(upstream.url)
    await waitFor(upstream.connected)
    upstream.send('hello', hello(4, 7), 10)
    upstream.send('book', book(9, 5), 11) // delta 8 is missing
    upstream.send('applied', applied(5), 12)
    await waitFor(() => resets() === 1)
    expect(received).toEqual([])
    expect(relay.position).toBeUndefined()
  })
})
