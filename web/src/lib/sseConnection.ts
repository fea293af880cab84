import { BaseError } from '../../../shared/errors/index.ts'
import { readSse, SseMessageTooLargeError, type SseLimits, type SseMessage } from './sseReader.ts'
import { sleep } from '../../../shared/wait/index.ts'

export interface SseConnectionHandlers {
  readonly onMessage: (message: SseMessage) => void
  /**
   * The connection broke (`retrying`: it reconnects after `retryMs`, resuming with
   * `Last-Event-ID`) or was given up (`retrying` false: an answer other than a 200 event
   * stream, or an event over the limits; nothing more follows).
   */
  readonly onError: (error: SseConnectionError, retrying: boolean) => void
}

export interface SseConnectionOptions {
  /** Default `sseLimits`. */
  readonly limits?: SseLimits
  /** Pause before reconnecting a broken connection; default 3 s (as browsers' EventSource). */
  readonly retryMs?: number
}

/**
 * Limits of one replica event: far above any event a replica sends (`hello` names each market
 * once), far below what would strain a tab.
 */
const sseLimits: SseLimits = { maxMessageBytes: 1024 * 1024, maxBufferBytes: 1024 * 1024 }

/** Why an event stream connection broke or was given up; the cause says more when there is one. */
export class SseConnectionError extends BaseError {
  override name = 'SseConnectionError' as const
}

/**
 * `EventSource`'s behaviour over `fetch` and `readSse`, so that what one event may cost in
 * memory is bounded (`sseLimits`). A connection that breaks or ends is opened again after
 * `retryMs`, with `Last-Event-ID` once the stream stated an id; an answer other than a 200
 * `text/event-stream`, or an event over the limits, closes it for good. The caller decides
 * when to give up on a connection that keeps breaking (`close`).
 */
export class SseConnection {
  private readonly closing = new AbortController()
  private lastEventId = ''

  constructor(
    private readonly url: string,
    private readonly handlers: SseConnectionHandlers,
    private readonly options: SseConnectionOptions = {},
  ) {
    this.run().catch((error: unknown) => console.error('An event stream failed:', error))
  }

  /** Ends the connection; no handler is called after this. */
  close(): void {
    this.closing.abort()
  }

  private async run(): Promise<void> {
    const { signal } = this.closing
    while (!signal.aborted) {
      const failure = await this.readOnce()
      if (signal.aborted) return
      this.handlers.onError(failure.error, failure.retrying)
      if (!failure.retrying) {
        this.closing.abort()
        return
      }
      await sleep(this.options.retryMs ?? 3000, signal)
    }
  }

  /** One connection, read until it ends or breaks: why it did, and whether to open another. */
  private async readOnce(): Promise<{ error: SseConnectionError; retrying: boolean }> {
    const { signal } = this.closing
    const headers: Record<string, string> = { Accept: 'text/event-stream' }
    if (this.lastEventId !== '') headers['Last-Event-ID'] = this.lastEventId
    let response: Response
    try {
      response = await fetch(this.url, { headers, signal, cache: 'no-store' })
    } catch (error) {
      const failed = new SseConnectionError('the event stream could not connect', { cause: error })
      return { error: failed, retrying: true }
    }
    const type = response.headers.get('content-type') ?? ''
    if (response.status !== 200 || !/^text\/event-stream\b/i.test(type) || !response.body) {
      response.body?.cancel().catch(() => undefined)
      const refused = new SseConnectionError(
        `the event stream answered ${response.status} (${type || 'no content type'})`,
      )
      return { error: refused, retrying: false }
    }
    const onMessage = (message: SseMessage) => {
      if (signal.aborted) return
      this.lastEventId = message.lastEventId
      this.handlers.onMessage(message)
    }
    try {
      await readSse(response.body, onMessage, this.options.limits ?? sseLimits)
      return { error: new SseConnectionError('the event stream ended'), retrying: true }
    } catch (error) {
      if (error instanceof SseMessageTooLargeError) {
        return {
          error: new SseConnectionError(error.shortMessage, { cause: error }),
          retrying: false,
        }
      }
      return {
        error: new SseConnectionError('the event stream broke', { cause: error }),
        retrying: true,
      }
    }
  }
}
