import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net'
import { afterEach, expect, it } from 'vitest'
import type { NodeTransport } from '../../shared/zellular/index.ts'
import { httpCall, nodeHttpTransportFrom, requestTarget } from './httpCall.ts'

const servers: Server[] = []
const netServers: NetServer[] = []
afterEach(async () => {
  for (const server of netServers.splice(0)) server.close()
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A server on 127.0.0.1 answering with `handle`; counts the connections it accepted. */
async function serve(
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => void,
) {
  const sockets = new Set<Socket>()
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    request.on('end', () => handle(request, body, response))
  })
  server.on('connection', (socket) => sockets.add(socket))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, connections: () => sockets.size }
}

const call = (url: string, extra: Partial<Parameters<typeof httpCall>[0]> = {}) =>
  httpCall({ method: 'GET', url, timeoutMs: 2_000, maxBytes: 1_000, ...extra })

it('sends the method, path, headers and body, and reads the status, headers and text', async () => {
  const server = await serve((request, body, response) => {
    response.setHeader('X-Seen', `${request.method} ${request.url} ${request.headers['x-a']}`)
    response.writeHead(201).end(`héllo ${body}`)
  })
  const answer = await call(`${server.url}/p?q=1`, {
    method: 'PUT',
    headers: { 'X-A': 'b' },
    body: 'wörld',
  })
  expect(answer.status).toBe(201)
  expect(answer.headers['x-seen']).toBe('PUT /p?q=1 b')
  expect(answer.text).toBe('héllo wörld')
})

it('sends to the host, port and path of the URL, an IPv6 host without its brackets', () => {
  expect(requestTarget('http://[::1]:6001/node/a?after=2')).toEqual({
    protocol: 'http:',
    hostname: '::1',
    port: '6001',
    path: '/node/a?after=2',
  })
  expect(requestTarget('http://node-1.example:80/x')).toMatchObject({ hostname: 'node-1.example' })
  expect(() => requestTarget('file:///etc/passwd')).toThrow(TypeError)
})

it('speaks TLS to an https URL', async () => {
  // A plain TCP listener sees what the client sends first: a TLS handshake record (0x16).
  const first = new Promise<number>((resolve) => {
    const server = createNetServer((socket) =>
      socket.once('data', (bytes: Buffer) => {
        resolve(bytes[0]!)
        socket.destroy()
      }),
    )
    netServers.push(server)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      call(`https://127.0.0.1:${port}/`).catch(() => undefined)
    })
  })
  expect(await first).toBe(0x16)
})

it('keeps the connection for the next request', async () => {
  const server = await serve((_request, _body, response) => response.end('ok'))
  for (let i = 0; i < 3; i++) expect((await call(server.url)).text).toBe('ok')
  expect(server.connections()).toBe(1)
})

it('refuses an answer over the cap, announced or streamed', async () => {
  const announced = await serve((_request, _body, response) => response.end('x'.repeat(1_001)))
  await expect(call(announced.url)).rejects.toThrow(/over the cap/)
  const streamed = await serve((_request, _body, response) => {
    response.writeHead(200) // chunked: no length announced
    response.write('x'.repeat(600))
    setTimeout(() => response.end('x'.repeat(600)), 20)
  })
  await expect(call(streamed.url)).rejects.toThrow(/at least 1200 bytes is over the cap/)
})

it('fails past its timeout, and when the peer falls silent between bytes', async () => {
  const silent = await serve(() => {}) // never answers
  await expect(call(silent.url, { timeoutMs: 100 })).rejects.toThrow(/no answer within 100 ms/)
  const beating = await serve((_request, _body, response) => {
    response.writeHead(200)
    response.write(' ')
    let beats = 0
    const timer = setInterval(() => {
      if (++beats < 5) return void response.write(' ')
      clearInterval(timer)
      response.end('{}')
    }, 40)
  })
  // Beats every 40 ms keep a 100 ms silence limit content for 200 ms.
  expect((await call(beating.url, { silenceMs: 100 })).text).toBe('     {}')
  const stalls = await serve((_request, _body, response) => {
    response.writeHead(200)
    response.write(' ') // then nothing
  })
  await expect(call(stalls.url, { silenceMs: 100 })).rejects.toThrow(/silent for 100 ms/)
})

it('ends when its signal aborts, and rejects at once with one already aborted', async () => {
  const silent = await serve(() => {})
  const controller = new AbortController()
  const pending = call(silent.url, { signal: controller.signal })
  setTimeout(() => controller.abort(new Error('interrupted')), 20)
  await expect(pending).rejects.toThrow('interrupted')
  await expect(call(silent.url, { signal: controller.signal })).rejects.toThrow('interrupted')
})

it('rejects when the peer closes the connection mid-answer or refuses it', async () => {
  const closes = await serve((_request, _body, response) => {
    response.writeHead(200, { 'Content-Length': '100' })
    response.write('partial')
    setTimeout(() => response.destroy(), 10)
  })
  await expect(call(closes.url)).rejects.toThrow()
  await expect(call('http://127.0.0.1:1')).rejects.toThrow(/ECONNREFUSED/)
})

it("serves the Zellular SDK: the answer, its start, and an answer over the cap as the node's fault", async () => {
  const nodeHttpTransport = nodeHttpTransportFrom()
  const server = await serve((request, body, response) => {
    if (request.url === '/big') return void response.end('x'.repeat(2_000))
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"got":${body}}`)
  })
  let started = 0
  const request = {
    method: 'PUT' as const,
    signal: AbortSignal.timeout(2_000),
    maxBytes: 1_000,
    onAnswerStart: () => (started += 1),
  }
  expect(
    await nodeHttpTransport({ ...request, url: `${server.url}/`, body: '[1]', contentType: 'x' }),
  ).toEqual({ status: 200, text: '{"got":[1]}' })
  expect(started).toBe(1)
  expect(await nodeHttpTransport({ ...request, url: `${server.url}/big` })).toEqual({
    status: 200,
    tooLarge: '2000',
  })
  const aborted = AbortSignal.abort(new Error('gone'))
  await expect(
    nodeHttpTransport({ ...request, url: `${server.url}/`, signal: aborted }),
  ).rejects.toThrow('gone')
})

it("tells the Zellular SDK of each chunk of an answer, so that it times a held read's silences", async () => {
  const nodeHttpTransport = nodeHttpTransportFrom()
  const server = await serve((_request, _body, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json' })
    response.write(' ')
    setTimeout(() => response.write(' '), 30)
    setTimeout(() => response.end('{}'), 60)
  })
  let chunks = 0
  const answer = await nodeHttpTransport({
    method: 'GET',
    url: server.url,
    signal: AbortSignal.timeout(2_000),
    maxBytes: 1_000,
    onAnswerStart: () => {},
    onBytes: () => (chunks += 1),
  })
  expect(answer).toEqual({ status: 200, text: '  {}' })
  // Three writes 30 ms apart; a busy reader may take two of them in one read.
  expect(chunks).toBeGreaterThanOrEqual(2)
})

it("sends the Zellular SDK's requests from the local address it is given, each on its own connections", async () => {
  const server = await serve((request, _body, response) => {
    response.end(JSON.stringify(request.socket.remoteAddress))
  })
  const request = { method: 'GET' as const, url: `${server.url}/`, maxBytes: 1_000 }
  const onAnswerStart = () => {}
  const from = async (transport: NodeTransport) => {
    const answer = await transport({
      ...request,
      onAnswerStart,
      signal: AbortSignal.timeout(2_000),
    })
    return 'text' in answer ? JSON.parse(answer.text) : undefined
  }
  expect(await from(nodeHttpTransportFrom('127.0.0.3'))).toBe('127.0.0.3')
  expect(await from(nodeHttpTransportFrom('127.0.0.4'))).toBe('127.0.0.4')
  // A kept-alive connection from one address is not reused for another.
  expect(await from(nodeHttpTransportFrom('127.0.0.3'))).toBe('127.0.0.3')
  expect(await from(nodeHttpTransportFrom())).toBe('127.0.0.1')
})
