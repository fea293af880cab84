/** Helpers for tests that drive real nodes over HTTP. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { request as httpRequest } from 'node:http'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { startLocalNetwork, type LocalNetwork } from '../devnet/localNetwork.ts'

/**
 * A local network of 4 node processes (`startLocalNetwork`) in a fresh temporary folder named
 * after `name`, on `basePort` and up, once every node says it is ready.
 */
export async function startReadyNetwork(
  name: string,
  basePort: number,
  apps: readonly string[],
  environment?: Record<string, string>,
): Promise<LocalNetwork> {
  const dir = mkdtempSync(join(tmpdir(), `zellular-${name}-`))
  const network = await startLocalNetwork({ dir, basePort, apps, environment })
  for (const url of network.urls()) {
    await waitFor(async () => (await fetch(`${url}/node/ready`)).ok)
  }
  return network
}

/** Polls `check` until it is true or the timeout passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // a node may be restarting
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Every finalized body a node serves, read page by page (unverified; the SDK verifies). */
export async function finalizedBodies(url: string, app: string): Promise<string[]> {
  const bodies: string[] = []
  for (;;) {
    const response = await fetch(`${url}/node/${app}/batches/finalized?after=${bodies.length}`)
    const page = (await response.json()) as { data: { batches: string[] } | null }
    if (!page.data) return bodies
    bodies.push(...page.data.batches)
  }
}

/** The sequencer id a node currently follows (`GET /node/state`). */
export async function sequencerOf(url: string): Promise<string> {
  const response = await fetch(`${url}/node/state`, { signal: AbortSignal.timeout(2_000) })
  return ((await response.json()) as { data: { sequencer_id: string } }).data.sequencer_id
}

/** The last finalized index a node reports for `app` (0 if none). */
export async function finalizedIndex(url: string, app: string): Promise<number> {
  const response = await fetch(`${url}/node/${app}/batches/finalized/last`, {
    signal: AbortSignal.timeout(2_000),
  })
  const body = (await response.json()) as { data: { index: number } | null }
  return body.data?.index ?? 0
}

/** What `requestFrom` tells of an answer. */
interface AnswerFrom {
  readonly status: number
  readonly retryAfter?: string
  /** The error code of an error answer. */
  readonly code?: string
  readonly body: unknown
}

/**
 * `method` `path` on the node at `url`, sent from the loopback address `from`: 127.0.0.1 and
 * 127.0.0.2 are two clients of one node. `body` goes as text/plain.
 */
export function requestFrom(
  from: string,
  url: string,
  method: 'GET' | 'PUT',
  path: string,
  body?: string,
): Promise<AnswerFrom> {
  const { hostname, port } = new URL(url)
  const headers = body === undefined ? {} : { 'Content-Type': 'text/plain' }
  return new Promise((resolve, reject) => {
    const options = { host: hostname, port, path, method, localAddress: from, headers }
    const request = httpRequest(options, (response) => {
      let text = ''
      response.on('data', (chunk: Buffer) => (text += chunk.toString()))
      response.on('end', () => {
        try {
          const parsed = JSON.parse(text) as { error?: { code: string } } | null
          const retryAfter = response.headers['retry-after']
          const code = parsed?.error?.code
          resolve({ status: response.statusCode!, retryAfter, code, body: parsed })
        } catch (error) {
          reject(error as Error)
        }
      })
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(body)
  })
}

/** `PUT /node/{app}/batches` of `body` from the loopback address `from` (`requestFrom`). */
export async function putBatchFrom(from: string, url: string, app: string, body: string) {
  const path = `/node/${encodeURIComponent(app)}/batches`
  const { status, retryAfter, code } = await requestFrom(from, url, 'PUT', path, body)
  return { status, retryAfter, code }
}

/**
 * A TCP connection from the loopback address `from` to the server at `url`: the socket once it
 * has stayed open half a second, or `closed` if the server closed it at once.
 */
export function connectFrom(from: string, url: string): Promise<Socket | 'closed'> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: from })
    // Accepted, then closed by the server at once: 'close' with nothing received.
    const timer = setTimeout(() => resolve(socket), 500)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve('closed')
    })
    socket.on('error', () => {})
  })
}
