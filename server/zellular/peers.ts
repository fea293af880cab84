import { authMessage, bls, parseJsonLosslessly } from '../../shared/zellular/index.ts'

/** A peer's answer: the HTTP status and the parsed JSON body (null if it was not JSON). */
export interface PeerResponse {
  readonly status: number
  readonly body: unknown
}

/**
 * Node-to-node HTTP with zsequencer's authentication: every request with a body carries
 * `Signature` (BLS over the xxh128 of the exact body bytes), `Signer` and `Version`.
 */
export class PeerClient {
  constructor(
    private readonly selfId: string,
    private readonly secretKey: bls.SecretKey,
    private readonly version: string,
  ) {}

  async send(
    method: 'PUT' | 'POST',
    url: string,
    payload: unknown,
    timeoutMs: number,
  ): Promise<PeerResponse> {
    const body = JSON.stringify(payload)
    const signature = bls.formatPoint(bls.sign(this.secretKey, authMessage(body)))
    const response = await fetch(url, {
      method,
      body,
      headers: {
        'Content-Type': 'application/json',
        Version: this.version,
        Signature: signature,
        Signer: this.selfId,
      },
      signal: AbortSignal.timeout(timeoutMs),
    })
    return { status: response.status, body: parseBody(await response.text()) }
  }

  /** `lossless` keeps ~77-digit numbers exact (`/node/state` keys); it is slower, so opt-in. */
  async get(url: string, timeoutMs: number, lossless = false): Promise<PeerResponse> {
    const response = await fetch(url, {
      headers: { 'Content-Type': 'application/json', Version: this.version },
      signal: AbortSignal.timeout(timeoutMs),
    })
    return { status: response.status, body: parseBody(await response.text(), lossless) }
  }
}

function parseBody(text: string, lossless = false): unknown {
  try {
    return lossless ? parseJsonLosslessly(text) : JSON.parse(text)
  } catch {
    return null
  }
}

/** The `code` of a zsequencer error envelope, if the body is one. */
export function errorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const error = (body as { error?: { code?: unknown } }).error
  return typeof error?.code === 'string' ? error.code : undefined
}
