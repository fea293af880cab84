import http from 'node:http'
import https from 'node:https'
import { BaseError } from '../../shared/errors/index.ts'
import type { NodeTransport } from '../../shared/zellular/index.ts'
import { readNodeText } from './limitedBody.ts'

/**
 * One HTTP/1.1 request between the system's own processes (node to node, replica to node), on
 * `node:http` (`node:https` for https URLs) with kept-alive connections. `fetch` costs several
 * times more CPU per request (undici's WHATWG machinery, a web stream per body, an AbortSignal
 * per timeout): on this hop a follower sends a PUT or a signature for every round, and that
 * overhead was ~20 % of a node's busy time. Answers are read whole, with a size cap counted as
 * bytes arrive.
 */

/**
 * Idle connections are kept until a second before the server's announced keep-alive timeout
 * (Node's agent reads its `Keep-Alive: timeout=` hint only when it has a timeout of its own):
 * reusing one the server is closing would fail a request that did nothing wrong.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: 60_000 }),
  'https:': new https.Agent({ keepAlive: true, timeout: 60_000 }),
}

export interface HttpCall {
  readonly method: string
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  /** The whole exchange, from sending to the answer's last byte (none: the signal ends it). */
  readonly timeoutMs?: number
  /** Ends the request early; the call rejects with the signal's reason. */
  readonly signal?: AbortSignal
  /** Fails when the peer sends nothing for this long: before its status, or between bytes. */
  readonly silenceMs?: number
  /** Largest answer read: past it the connection is dropped and the call rejects. */
  readonly maxBytes: number
  /** Called when the answer's status and headers arrive. */
  readonly onResponse?: () => void
  /** Called as each chunk of the answer's body arrives. */
  readonly onBytes?: () => void
  /** The local address to send from (the agent keeps connections apart per address). */
  readonly localAddress?: string
}

/** The answer passed `HttpCall.maxBytes`: the peer's fault, not the link's. */
class AnswerTooLargeError extends BaseError {
  override name = 'AnswerTooLargeError' as const

  constructor(
    readonly status: number,
    /** How big it was: announced, or `at least` what arrived. */
    readonly size: string,
    max: number,
  ) {
    super(`answer of ${size} bytes is over the cap of ${max}`)
  }
}

export interface HttpAnswer {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
}

export function httpCall(call: HttpCall): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const { signal, silenceMs, maxBytes } = call
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const body = call.body === undefined ? undefined : Buffer.from(call.body, 'utf8')
    const { protocol, ...target } = requestTarget(call.url)
    const request = (protocol === 'https:' ? https : http).request({
      agent: agents[protocol],
      method: call.method,
      ...target,
      ...(call.localAddress === undefined ? {} : { localAddress: call.localAddress }),
      headers:
        body === undefined ? call.headers : { ...call.headers, 'Content-Length': body.length },
    })
    let settled = false
    let silence: NodeJS.Timeout | undefined
    const { timeoutMs } = call
    const timeout =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    const heard = () => {
      if (silenceMs === undefined) return
      clearTimeout(silence)
      silence = setTimeout(() => fail(new Error(`peer silent for ${silenceMs} ms`)), silenceMs)
    }
    const onAbort = () => fail(signal?.reason ?? new Error('aborted'))
    const settle = () => {
      settled = true
      clearTimeout(timeout)
      clearTimeout(silence)
      signal?.removeEventListener('abort', onAbort)
    }
    function fail(error: unknown): void {
      if (settled) return
      settle()
      // A connection left mid-answer cannot carry another request: it is closed, not pooled.
      request.destroy()
      reject(error instanceof Error ? error : new Error(String(error)))
    }
    heard()
    signal?.addEventListener('abort', onAbort, { once: true })
    request.on('error', fail)
    request.on('response', (response) => {
      heard()
      call.onResponse?.()
      const status = response.statusCode ?? 0
      const announced = Number(response.headers['content-length'] ?? 0)
      if (announced > maxBytes) {
        fail(new AnswerTooLargeError(status, String(announced), maxBytes))
        return
      }
      const onChunk = () => {
        heard()
        call.onBytes?.()
      }
      readNodeText(response, maxBytes, onChunk).then((read) => {
        if ('tooLarge' in read) {
          fail(new AnswerTooLargeError(status, `at least ${read.tooLarge}`, maxBytes))
        } else if (!settled) {
          settle()
          resolve({ status, headers: response.headers, text: read.text })
        }
      }, fail)
    })
    request.end(body)
  })
}

/**
 * Where a request for `url` goes: over TLS for `https:` (a real Zellular node may serve it), to
 * an IPv6 host without the URL's brackets.
 */
export function requestTarget(url: string) {
  const parsed = new URL(url)
  const protocol = (['http:', 'https:'] as const).find((known) => known === parsed.protocol)
  if (protocol === undefined) throw new TypeError(`${parsed.protocol} URLs are not HTTP: ${url}`)
  return {
    protocol,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port,
    path: `${parsed.pathname}${parsed.search}`,
  }
}

/**
 * The Zellular SDK's requests to the nodes on this stack (`ZellularClientParameters.transport`),
 * sent from `localAddress` if given: the nodes share their intake per client address, so
 * replicas on one machine (the local network) each send from their own loopback address.
 */
export function nodeHttpTransportFrom(localAddress?: string): NodeTransport {
  return async (request) => {
    try {
      const answer = await httpCall({
        method: request.method,
        url: request.url,
        headers: request.contentType === undefined ? {} : { 'Content-Type': request.contentType },
        body: request.body,
        signal: request.signal,
        maxBytes: request.maxBytes,
        onResponse: request.onAnswerStart,
        ...(request.onBytes === undefined ? {} : { onBytes: request.onBytes }),
        localAddress,
      })
      return { status: answer.status, text: answer.text }
    } catch (error) {
      if (error instanceof AnswerTooLargeError)
        return { status: error.status, tooLarge: error.size }
      throw error
    }
  }
}
