import { authMessage, bls, parseJsonLosslessly, type Network } from '../../shared/zellular/index.ts'
import { httpCall } from '../http/httpCall.ts'
import { systemClock } from './clock.ts'
import {
  freshnessHeader,
  freshnessText,
  FRESHNESS_HEADER,
  FRESHNESS_MAC_HEADER,
} from './freshness.ts'
import { RequestMacs } from './requestMac.ts'

/** A peer's answer: the HTTP status and the parsed JSON body (null if it was not JSON). */
export interface PeerResponse {
  readonly status: number
  readonly body: unknown
}

/** Where a request goes: the operator id (signed as the target) and its base URL. */
export interface PeerTarget {
  readonly id: string
  readonly socket: string
}

/** Largest peer answer read (a page is at most ~2.5 MB of bodies; escaping can grow it). */
const PEER_RESPONSE_MAX_BYTES = 32 * 1024 * 1024

export interface PeerClientOptions {
  /** The clock of the freshness headers. */
  readonly now?: () => number
  /** Largest answer read from a peer. */
  readonly maxResponseBytes?: number
  /** Whether requests carry zsequencer's BLS `Signature` header (`NodeConfig.signatureHeader`). */
  readonly signatureHeader?: boolean
}

/**
 * Node-to-node HTTP with zsequencer's authentication: every request with a body carries
 * `Signer` and `Version`, the freshness headers our nodes require (see `freshness.ts`), MAC'd
 * under the key shared with the target operator of `network`, and unless turned off `Signature`
 * (BLS over the xxh128 of the exact body bytes), which zsequencer peers check. Answers are read
 * with a size cap: a Byzantine peer's endless body is cut off, not buffered.
 */
export class PeerClient {
  /** The keys this node shares with each peer: its route guards check MACs with them too. */
  readonly macs: RequestMacs

  private readonly now: () => number
  private readonly maxResponseBytes: number
  private readonly signatureHeader: boolean

  constructor(
    private readonly selfId: string,
    private readonly secretKey: bls.SecretKey,
    private readonly version: string,
    private readonly network: Pick<Network, 'operator'>,
    options: PeerClientOptions = {},
  ) {
    this.macs = new RequestMacs(secretKey)
    this.now = options.now ?? systemClock.now
    this.maxResponseBytes = options.maxResponseBytes ?? PEER_RESPONSE_MAX_BYTES
    this.signatureHeader = options.signatureHeader ?? true
  }

  async send(
    method: 'PUT' | 'POST',
    target: PeerTarget,
    path: string,
    payload: unknown,
    timeoutMs: number,
    /** Ends the request early (a held follower PUT that new client batches interrupt). */
    signal?: AbortSignal,
    /**
     * Fails the request when the peer sends nothing for this long, from the start to its status
     * and between the bytes of its answer (a held PUT answered with beats, `heldAnswer.ts`).
     */
    silenceMs?: number,
  ): Promise<PeerResponse> {
    const body = JSON.stringify(payload)
    const answer = await httpCall({
      method,
      url: `${target.socket}${path}`,
      headers: this.signedHeaders(method, target.id, path, body),
      body,
      timeoutMs,
      signal,
      silenceMs,
      maxBytes: this.maxResponseBytes,
    })
    return { status: answer.status, body: parseBody(answer.text) }
  }

  /**
   * The headers that authenticate `body` sent to node `targetId` at `path`, now. A target that
   * is not an operator gets no MAC (and refuses the request, as it should).
   */
  signedHeaders(method: string, targetId: string, path: string, body: string) {
    const timestampMs = this.now()
    const target = targetId.toLowerCase()
    const signer = this.selfId
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Version: this.version,
      Signer: signer,
      [FRESHNESS_HEADER]: freshnessHeader(timestampMs, target),
    }
    if (this.signatureHeader) {
      headers.Signature = bls.formatPoint(bls.sign(this.secretKey, authMessage(body)))
    }
    const targetKey = this.network.operator(target)?.publicKey
    if (targetKey !== undefined) {
      const text = freshnessText({ signer, method, path, target, timestampMs, body })
      headers[FRESHNESS_MAC_HEADER] = this.macs.mac(targetKey, text)
    }
    return headers
  }

  /** `lossless` keeps ~77-digit numbers exact (`/node/state` keys); it is slower, so opt-in. */
  async get(url: string, timeoutMs: number, lossless = false): Promise<PeerResponse> {
    const answer = await httpCall({
      method: 'GET',
      url,
      headers: { 'Content-Type': 'application/json', Version: this.version },
      timeoutMs,
      maxBytes: this.maxResponseBytes,
    })
    return { status: answer.status, body: parseBody(answer.text, lossless) }
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
