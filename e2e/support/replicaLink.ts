import type { Page } from '@playwright/test'
import {
  createServer,
  request as forward,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'

/**
 * A loopback link between one page and one real replica: a small HTTP proxy on a port of the
 * test process that passes every request and answer through, streaming included, until the test
 * freezes the event stream. A frozen stream stays open and goes silent, as a half-open
 * connection does (a NAT or proxy that dropped it without a reset): the browser sees no error.
 * `routeReplicaThrough` points the page's registry at the link.
 */
export class ReplicaLink {
  private eventsFrozen = false

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Opens a link to the replica at `target` (its registry URL). */
  static async open(target: string): Promise<ReplicaLink> {
    const upstream = new URL(target)
    let link: ReplicaLink | undefined
    const server = createServer((incoming, answer) => link?.pass(upstream, incoming, answer))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = server.address() as { port: number }
    link = new ReplicaLink(server, `http://127.0.0.1:${port}`)
    return link
  }

  /** From now on no byte of any event stream passes (open ones and new ones alike). */
  freezeEvents(): void {
    this.eventsFrozen = true
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private pass(upstream: URL, incoming: IncomingMessage, answer: ServerResponse): void {
    const path = incoming.url ?? '/'
    const isEvents = path.startsWith('/events')
    const outgoing = forward({
      host: upstream.hostname,
      port: upstream.port,
      method: incoming.method,
      path,
      headers: { ...incoming.headers, host: upstream.host },
    })
    outgoing.on('error', () => answer.destroy())
    answer.on('close', () => outgoing.destroy())
    outgoing.on('response', (response) => {
      answer.writeHead(response.statusCode ?? 502, response.headers)
      if (!isEvents) return void response.pipe(answer)
      answer.flushHeaders()
      response.on('data', (chunk: Buffer) => {
        if (!this.eventsFrozen) answer.write(chunk)
      })
      response.on('end', () => answer.end())
    })
    incoming.pipe(outgoing)
  }
}

/**
 * Makes `page` reach replica `replicaId` through `link`: its `/registry.json` (the app's trust
 * root, from the app's own server) is served with that replica's URL changed to the link's.
 * Keys, quorum and everything else stay as the server sent them. Call before `goto`.
 */
export async function routeReplicaThrough(
  page: Page,
  replicaId: string,
  link: ReplicaLink,
): Promise<void> {
  await page.route('**/registry.json', async (route) => {
    const response = await route.fetch()
    const registry = (await response.json()) as { replicas: { id: string; url: string }[] }
    for (const replica of registry.replicas) if (replica.id === replicaId) replica.url = link.url
    await route.fulfill({ response, json: registry })
  })
}
