import {
  Agent,
  createServer as createHttpServer,
  request,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http'
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net'

/*
 * The chaos suite's network: every process reaches every peer through a link of its own, a
 * listener on a port of this process that forwards to the peer's real port. A link carries one
 * direction of calls (from → to), so cutting node-1 → node-2 alone is a one-way partition: node-1
 * cannot call node-2, node-2 still calls node-1 and gets its answers.
 */

/**
 * What a link does to its traffic while faulty:
 * - `cut`: new connections are reset and open ones torn down (the caller sees ECONNRESET);
 * - `drop`: bytes are swallowed, so calls hang until the caller's timeout;
 * - `delay`: every chunk (TCP) or request (HTTP) waits `ms` first.
 */
export type LinkFault =
  | { readonly kind: 'cut' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'delay'; readonly ms: number }

/**
 * Rewrites a replica's answer on its way out (the lying replica): gets the request path, the
 * status and the body; returns the body to send instead, or undefined to pass it on as it is.
 */
export type AnswerRewriter = (path: string, status: number, body: Buffer) => Buffer | undefined

/** One direction of calls between two processes, through a local port. */
export interface Link {
  readonly from: string
  readonly to: string
  readonly port: number
  readonly url: string
  readonly fault: LinkFault | undefined
  setFault(fault: LinkFault | undefined): void
  close(): Promise<void>
}

/** What every link into one process shares: the lie it tells, if any. */
export interface Destination {
  rewrite: AnswerRewriter | undefined
}

/** A raw TCP link, for Zellular nodes (node to node, replica to node). */
class TcpLink implements Link {
  readonly url: string
  fault: LinkFault | undefined
  private readonly server: Server
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; tainted: boolean }>()

  constructor(
    readonly from: string,
    readonly to: string,
    readonly host: string,
    readonly port: number,
    private readonly targetPort: number,
  ) {
    this.url = `http://${host}:${port}`
    this.server = createTcpServer((client) => this.accept(client))
  }

  listen(): Promise<void> {
    return listenOn(this.server, this.host, this.port)
  }

  setFault(fault: LinkFault | undefined): void {
    this.fault = fault
    // A connection that lost bytes is out of step (half a request went missing): it cannot be
    // healed, only closed; a cut closes every connection.
    for (const pair of this.pairs) {
      if (pair.tainted || fault?.kind === 'cut') {
        pair.client.destroy()
        pair.upstream.destroy()
      }
    }
  }

  private accept(client: Socket): void {
    if (this.fault?.kind === 'cut') {
      client.on('error', () => {})
      client.resetAndDestroy()
      return
    }
    const upstream = connect(this.targetPort, this.host)
    const pair = { client, upstream, tainted: false }
    this.pairs.add(pair)
    const close = () => {
      this.pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true)
      socket.on('error', close)
      socket.on('close', close)
    }
    this.relay(client, upstream, pair)
    this.relay(upstream, client, pair)
  }

  /** Forwards `source` to `sink` in order, dropping or delaying chunks while faulty. */
  private relay(source: Socket, sink: Socket, pair: { tainted: boolean }): void {
    const queue: { chunk: Buffer; dueMs: number }[] = []
    let timer: NodeJS.Timeout | undefined
    const flush = () => {
      timer = undefined
      const now = Date.now()
      while (queue.length > 0 && queue[0]!.dueMs <= now) {
        const { chunk } = queue.shift()!
        if (!sink.destroyed) sink.write(chunk)
      }
      if (queue.length > 0) timer = setTimeout(flush, queue[0]!.dueMs - now)
    }
    source.on('data', (chunk: Buffer) => {
      const fault = this.fault
      if (fault?.kind === 'drop' || fault?.kind === 'cut') {
        pair.tainted = true
        return
      }
      const delayMs = fault?.kind === 'delay' ? fault.ms : 0
      if (delayMs === 0 && queue.length === 0) {
        if (!sink.destroyed) sink.write(chunk)
        return
      }
      // Due times never go backwards, so the order of bytes is kept when the delay changes.
      const dueMs = Math.max(Date.now() + delayMs, queue.at(-1)?.dueMs ?? 0)
      queue.push({ chunk, dueMs })
      if (timer === undefined) timer = setTimeout(flush, dueMs - Date.now())
    })
    source.on('close', () => clearTimeout(timer))
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy()
      pair.upstream.destroy()
    }
    await new Promise<void>((done) => this.server.close(() => done()))
  }
}

/**
 * An HTTP link, for replicas (client to replica, replica to replica): whole requests are
 * forwarded and whole answers read, so a lying replica's answers can be rewritten on the way.
 */
class HttpLink implements Link {
  readonly url: string
  fault: LinkFault | undefined
  private readonly server: HttpServer
  // Idle upstream sockets are dropped before the replica's 5 s keep-alive timeout, so none is
  // reused as the replica closes it; the callers' idle sockets are kept longer than theirs (4 s).
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 })
  private readonly sockets = new Set<Socket>()
  private readonly held = new Set<ServerResponse>()

  constructor(
    readonly from: string,
    readonly to: string,
    readonly host: string,
    readonly port: number,
    private readonly targetPort: number,
    private readonly destination: Destination,
  ) {
    this.url = `http://${host}:${port}`
    this.server = createHttpServer((incoming, answer) => {
      this.forward(incoming, answer).catch(() => answer.socket?.destroy())
    })
    this.server.keepAliveTimeout = 30_000
    this.server.on('connection', (socket: Socket) => {
      if (this.fault?.kind === 'cut') {
        socket.on('error', () => {})
        socket.resetAndDestroy()
        return
      }
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  listen(): Promise<void> {
    return listenOn(this.server, this.host, this.port)
  }

  setFault(fault: LinkFault | undefined): void {
    this.fault = fault
    if (fault?.kind === 'cut') for (const socket of this.sockets) socket.destroy()
    if (fault?.kind !== 'drop') {
      for (const answer of this.held) answer.socket?.destroy()
      this.held.clear()
    }
  }

  private async forward(incoming: IncomingMessage, answer: ServerResponse): Promise<void> {
    const body = await readAll(incoming).catch(() => undefined)
    if (body === undefined) return
    const fault = this.fault
    if (fault?.kind === 'cut') return void incoming.socket.destroy()
    if (fault?.kind === 'drop') return void this.held.add(answer)
    if (fault?.kind === 'delay') await new Promise((done) => setTimeout(done, fault.ms))
    const path = incoming.url ?? '/'
    const outgoing = request({
      host: this.host,
      port: this.targetPort,
      method: incoming.method,
      path,
      headers: incoming.headers,
      agent: this.agent,
    })
    answer.on('close', () => outgoing.destroy())
    outgoing.on('error', () => answer.socket?.destroy())
    outgoing.on('response', (response) => {
      readAll(response)
        .then((text) => {
          const status = response.statusCode ?? 502
          const rewritten = this.destination.rewrite?.(path, status, text) ?? text
          const headers = { ...response.headers }
          delete headers['transfer-encoding']
          headers['content-length'] = String(Buffer.byteLength(rewritten))
          answer.writeHead(status, headers)
          answer.end(rewritten)
        })
        // A failed read or rewrite drops this connection, never the whole mesh.
        .catch(() => answer.socket?.destroy())
    })
    outgoing.end(body)
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    this.agent.destroy()
    await new Promise<void>((done) => this.server.close(() => done()))
  }
}

/** Every link of the suite, by (from, to), listening from `basePort` on. */
export class ProxyMesh {
  readonly links: Link[] = []
  private readonly destinations = new Map<string, Destination>()
  private nextPort: number

  constructor(
    private readonly host: string,
    basePort: number,
  ) {
    this.nextPort = basePort
  }

  /** A raw TCP link from `from` to the process listening on `targetPort`. */
  async addTcp(from: string, to: string, targetPort: number): Promise<Link> {
    const link = new TcpLink(from, to, this.host, this.nextPort++, targetPort)
    await link.listen()
    this.links.push(link)
    return link
  }

  /** An HTTP link from `from` to the HTTP server `to` on `targetPort`. */
  async addHttp(from: string, to: string, targetPort: number): Promise<Link> {
    const link = new HttpLink(
      from,
      to,
      this.host,
      this.nextPort++,
      targetPort,
      this.destination(to),
    )
    await link.listen()
    this.links.push(link)
    return link
  }

  link(from: string, to: string): Link {
    const found = this.links.find((link) => link.from === from && link.to === to)
    if (found === undefined) throw new RangeError(`no link ${from} -> ${to}`)
    return found
  }

  /** Makes every answer of `to`, on every link into it, pass through `rewrite` (or not). */
  setRewriter(to: string, rewrite: AnswerRewriter | undefined): void {
    this.destination(to).rewrite = rewrite
  }

  /** Sets `fault` on every link `select` picks; returns them. */
  setFaults(select: (link: Link) => boolean, fault: LinkFault | undefined): Link[] {
    const chosen = this.links.filter(select)
    for (const link of chosen) link.setFault(fault)
    return chosen
  }

  /** Heals every link and ends every lie. */
  healAll(): void {
    for (const link of this.links) if (link.fault !== undefined) link.setFault(undefined)
    for (const destination of this.destinations.values()) destination.rewrite = undefined
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((link) => link.close()))
  }

  private destination(to: string): Destination {
    let destination = this.destinations.get(to)
    if (destination === undefined) {
      destination = { rewrite: undefined }
      this.destinations.set(to, destination)
    }
    return destination
  }
}

function listenOn(server: Server | HttpServer, host: string, port: number): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      done()
    })
  })
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => done(Buffer.concat(chunks)))
    stream.on('error', fail)
    stream.on('close', () => fail(new Error('closed before the end')))
  })
}
