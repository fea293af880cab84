import type { Context } from 'hono'
import type { z } from 'zod'
import { readLimitedText } from '../http/limitedBody.ts'
import { compareApiVersions, parseApiVersion } from './apiVersion.ts'
import {
  FRESHNESS_HEADER,
  FRESHNESS_MAC_HEADER,
  FRESHNESS_WINDOW_MS,
  freshnessText,
  parseFreshnessHeader,
  ReplayGuard,
} from './freshness.ts'
import { ValidationHttpError, ZsequencerHttpError } from './httpErrors.ts'
import type { ZellularNode } from './node.ts'

/** What node routes keep on a request: who signed it and its body, once verified. */
export type NodeEnv = { Variables: { signer: string; rawBody: string } }
export type NodeRequest = Context<NodeEnv>

/** What a route group uses of the node. */
export type RouteDeps = Pick<
  ZellularNode,
  | 'context'
  | 'role'
  | 'logs'
  | 'chain'
  | 'poster'
  | 'intake'
  | 'inbox'
  | 'disputer'
  | 'outbox'
  | 'switcher'
  | 'stages'
  | 'progress'
  | 'watch'
  | 'synchronizer'
>

/** Node-to-node control messages (sign, dispute, switch) are small. */
export const CONTROL_BODY_MAX_BYTES = 64 * 1024

/** A body over its cap is refused as it is read, with zsequencer's batch-size error (429). */
export const tooLarge = () => new ZsequencerHttpError('BatchSizeExceededError')

/**
 * zsequencer's guards (FastAPI dependencies), run in its order before body validation, and the
 * check of signed node requests. One per node: the replay guard remembers what it admitted.
 */
export class RouteGuards {
  readonly #replays = new ReplayGuard()
  readonly #version

  constructor(private readonly node: RouteDeps) {
    const version = parseApiVersion(node.context.config.version)
    if (!version) throw new Error(`"${node.context.config.version}" is not an API version`)
    this.#version = version
  }

  /**
   * "node" routes refuse a `Version` header naming another version; the "sequencer" route
   * requires one (`required`).
   */
  version(c: Context, required: boolean): void {
    const header = c.req.header('Version')
    if (header === undefined && !required) return
    const version = header === undefined ? null : parseApiVersion(header)
    if (!version || compareApiVersions(version, this.#version) !== 0) {
      throw new ZsequencerHttpError('InvalidNodeVersionError')
    }
  }

  /** Client routes wait for the first full catch-up round (the sequencer is always synced). */
  synced(): void {
    if (!this.node.role.isSequencer && !this.node.poster.synced) {
      throw new ZsequencerHttpError('NotSyncedError')
    }
  }

  notPaused(): void {
    if (this.node.role.paused) throw new ZsequencerHttpError('IsPausedError')
  }

  /**
   * Reads the body (at most `maxBytes`) and checks that a known node sent it to this node, for
   * this route, now, and once (the freshness headers, see `freshness.ts`). `precheck` refuses
   * what would be refused whoever sent it, before the MAC is computed over the body.
   */
  async nodeAccess(
    c: NodeRequest,
    maxBytes = CONTROL_BODY_MAX_BYTES,
    precheck?: (signer: string, body: string) => void,
  ): Promise<void> {
    const { context } = this.node
    const denied = (why: string) => new ZsequencerHttpError('PermissionDeniedError', why)
    const signer = c.req.header('Signer')?.toLowerCase()
    const mac = c.req.header(FRESHNESS_MAC_HEADER)
    const fresh = parseFreshnessHeader(c.req.header(FRESHNESS_HEADER))
    const operator = signer === undefined ? undefined : context.network.operator(signer)
    if (!signer || !operator) throw denied('Unknown signer.')
    if (!mac || !fresh) throw denied('The request is not signed with its time and target.')
    if (fresh.target !== context.id) throw denied('The request was meant for another node.')
    const now = context.clock.now()
    if (Math.abs(now - fresh.timestampMs) > FRESHNESS_WINDOW_MS) {
      throw denied('The request is too old or from the future.')
    }
    const body = await readLimitedText(c, maxBytes, tooLarge)
    if (body.length === 0) throw new ZsequencerHttpError('InvalidRequestError')
    precheck?.(signer, body)
    const text = freshnessText({
      signer,
      method: c.req.method,
      path: c.req.path,
      target: context.id,
      timestampMs: fresh.timestampMs,
      body,
    })
    if (!this.node.context.peers.macs.matches(operator.publicKey, text, mac))
      throw denied('Bad signature.')
    // Recorded only once verified: unsigned junk cannot fill the guard.
    const admission = this.#replays.admit(signer, mac, fresh.timestampMs, now)
    if (admission === 'replayed') throw denied('The request was replayed.')
    if (admission === 'full') {
      const message = 'Too many requests from this node within the freshness window.'
      throw new ZsequencerHttpError('BatchesLimitExceededError', message)
    }
    c.set('signer', signer)
    c.set('rawBody', body)
    const { hooks } = context
    if (hooks.enabled) {
      const headers = c.req.header()
      hooks.capture({ method: c.req.method, path: c.req.path, headers, body, at: now })
    }
  }
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new ValidationHttpError(['body'], 'JSON decode error', text.slice(0, 100))
  }
}

/** Parses `text` as JSON and checks it with `schema`; a failure is FastAPI's 422. */
export function parseBody<schema extends z.ZodType>(
  schema: schema,
  text: string,
): z.output<schema> {
  const parsed = schema.safeParse(parseJsonText(text))
  if (!parsed.success) throw validationError(parsed.error)
  return parsed.data
}

function validationError(error: z.ZodError): ValidationHttpError {
  const issue = error.issues[0]
  return new ValidationHttpError(
    ['body', ...(issue?.path ?? []).map(String)],
    issue?.message ?? '',
    null,
  )
}
