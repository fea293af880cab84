import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { SseConnection, type SseConnectionError } from './sseConnection.ts'
import type { SseMessage } from './sseReader.ts'

/**
 * Ports of this file's test servers (the range this work may use), one per test: fetch keeps
 * connections to a port alive, and the next test's server must not meet the last one's.
 */
const ports = [20_432, 20_433, 20_434, 20_435]
let port = 0
const url = () => `http://127.0.0.1:${port}/events`

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

async function serve(
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<void> {
  port = ports.shift()!
  server = createServer(handle)
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
}

/** A connection to `url` that records what it reports. */
function record(retryMs = 10) {
  const messages: SseMessage[] = []
  const errors: { error: SseConnectionError; retrying: boolean }[] = []
  const connection = new SseConnection(
    url(),
    {
      onMessage: (message) => messages.push(message),
      onError: (error, retrying) => errors.push({ error, retrying }),
    },
    { retryMs, limits: { maxMessageBytes: 1024, maxBufferBytes: 1024 } },
  )
  return { messages, errors, connection }
}

describe('SseConnection', () => {
  it('reconnects a stream that ended, resuming after the last id it stated', async () => {
    const resumedFrom: (string | undefined)[] = []
    await serve((request, response) => {
      resumedFrom.push(request.headers['last-event-id'] as string | undefined)
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' })
      const id = resumedFrom.length * 10
      response.end(`event: applied\nid: ${id}\ndata: ${id}\n\n`)
    })
    const { messages, errors, connection } = record()
    await expect.poll(() => messages.length).toBeGreaterThanOrEqual(3)
    connection.close()
    expect(resumedFrom.slice(0, 3)).toEqual([undefined, '10', '20'])
    expect(messages.slice(0, 2)).toEqual([
      { event: 'applied', data: '10', lastEventId: '10' },
      { event: 'applied', data: '20', lastEventId: '20' },
    ])
    expect(errors[0]).toMatchObject({ retrying: true })
    expect(errors[0]!.error.message).toBe('the event stream ended')
  })

  it('gives up on an answer that is no 200 event stream', async () => {
    let requests = 0
    await serve((_request, response) => {
      requests += 1
      response.writeHead(503, { 'content-type': 'application/json' })
      response.end('{"error":{"code":"overloaded"}}')
    })
    const { errors } = record()
    await expect.poll(() => errors.length).toBe(1)
    expect(errors[0]).toMatchObject({ retrying: false })
    expect(errors[0]!.error.message).toContain('503')
    // Closed for good: no retry follows, however long one waits for it.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(requests).toBe(1)
    expect(errors).toHaveLength(1)
  })

  it('drops the connection at an event over the cap, keeping the events before it', async () => {
    let dropped = false
    await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write('event: hello\ndata: {}\n\n')
      response.write(`event: book\ndata: ${'x'.repeat(2048)}`)
      response.on('close', () => (dropped = true))
    })
    const { messages, errors } = record()
    await expect.poll(() => errors.length).toBe(1)
    expect(errors[0]).toMatchObject({ retrying: false })
    expect(errors[0]!.error.message).toBe('an event stream message over 1024 bytes')
    expect(messages).toEqual([{ event: 'hello', data: '{}', lastEventId: '' }])
    await expect.poll(() => dropped).toBe(true)
  })

  it('calls no handler after close', async () => {
    await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' })
      response.write('data: 1\n\n')
      setTimeout(() => response.end('data: 2\n\n'), 50)
    })
    const { messages, errors, connection } = record()
    await expect.poll(() => messages.length).toBe(1)
    connection.close()
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(messages).toHaveLength(1)
    expect(errors).toHaveLength(0)
  })
})
