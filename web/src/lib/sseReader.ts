import { concatBytes } from 'viem'
import { BaseError } from '../../../shared/errors/index.ts'

/** One server-sent event, as `EventSource` would dispatch it. */
export interface SseMessage {
  /** The `event:` field; `message` when the event names none. */
  readonly event: string
  /** The `data:` lines, joined with `\n`. */
  readonly data: string
  /** The last `id:` the stream stated, at or before this event (`Last-Event-ID` on a retry). */
  readonly lastEventId: string
}

export interface SseLimits {
  /** Most bytes of one event, from its first line to the blank line that ends it. */
  readonly maxMessageBytes: number
  /**
   * Most bytes the parser holds at once: the event being read and its unfinished line, or an
   * unfinished comment line (comments belong to no event, yet must be read to their end).
   */
  readonly maxBufferBytes: number
}

/** An event, or an unfinished line, longer than `SseLimits` allows: the stream must be closed. */
export class SseMessageTooLargeError extends BaseError {
  override name = 'SseMessageTooLargeError' as const
  constructor(maxBytes: number) {
    super(`an event stream message over ${maxBytes} bytes`)
  }
}

const lf = 0x0a
const cr = 0x0d
const colon = 0x3a

/**
 * A streaming parser of the `text/event-stream` format (WHATWG HTML, "Parsing an event
 * stream"): bytes in as they arrive, whole events out to `onMessage`, under `SseLimits`, which
 * `EventSource` lacks: it buffers a message whole, so one endless event from a lying server
 * grows the tab's memory without bound. Lines end in CRLF, LF or CR (also across chunks);
 * `event:`, `data:` (several lines joined) and `id:` are read; comments (`:`), `retry:` and
 * unknown fields are skipped; an event without data is not dispatched. Lines are split on bytes
 * before decoding, so a character split across chunks decodes whole.
 */
export class SseParser {
  /** The unfinished line, in the chunks it arrived in. */
  private line: Uint8Array[] = []
  private lineBytes = 0
  /** Bytes of the finished lines of the event being read. */
  private messageBytes = 0
  /** The last chunk ended in CR: an LF starting the next one belongs to that line end. */
  private afterCr = false
  private started = false
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  private event = ''
  private data: string[] = []
  private lastEventId = ''

  constructor(
    private readonly onMessage: (message: SseMessage) => void,
    private readonly limits: SseLimits,
  ) {}

  /** Reads `chunk`; throws `SseMessageTooLargeError` when it takes the stream past a limit. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return
    let start = 0
    if (!this.started) {
      this.started = true
      // A UTF-8 byte order mark may open the stream, and only there.
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) start = 3
    }
    // The LF of a CRLF whose CR ended the previous chunk: that line has ended already.
    if (this.afterCr && chunk[start] === lf) start += 1
    this.afterCr = false
    for (let at = start; at < chunk.length; at += 1) {
      const byte = chunk[at]
      if (byte !== lf && byte !== cr) continue
      this.hold(chunk.subarray(start, at))
      this.endLine()
      if (byte === cr) {
        if (at === chunk.length - 1) this.afterCr = true
        else if (chunk[at + 1] === lf) at += 1
      }
      start = at + 1
    }
    // A copy: the reader may reuse the chunk's memory.
    if (start < chunk.length) this.hold(chunk.slice(start))
  }

  /** Adds bytes of the unfinished line, within the limits. */
  private hold(bytes: Uint8Array): void {
    if (bytes.length === 0) return
    this.lineBytes += bytes.length
    this.line.push(bytes)
    const comment = this.line[0]![0] === colon
    if (this.messageBytes + this.lineBytes > this.limits.maxBufferBytes) {
      throw new SseMessageTooLargeError(this.limits.maxBufferBytes)
    }
    if (!comment && this.messageBytes + this.lineBytes > this.limits.maxMessageBytes) {
      throw new SseMessageTooLargeError(this.limits.maxMessageBytes)
    }
  }

  private endLine(): void {
    const parts = this.line
    const size = this.lineBytes
    this.line = []
    this.lineBytes = 0
    if (size === 0) return this.dispatch()
    if (parts[0]![0] === colon) return
    this.messageBytes += size
    const text = this.decoder.decode(parts.length === 1 ? parts[0] : concatBytes(parts))
    const split = text.indexOf(':')
    const field = split < 0 ? text : text.slice(0, split)
    let value = split < 0 ? '' : text.slice(split + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value
  }

  private dispatch(): void {
    const { event, data } = this
    this.event = ''
    this.data = []
    this.messageBytes = 0
    if (data.length === 0) return
    this.onMessage({
      event: event === '' ? 'message' : event,
      data: data.join('\n'),
      lastEventId: this.lastEventId,
    })
  }
}

/**
 * Reads an event stream `body` to its end, passing each event to `onMessage` (see
 * `SseParser`). Past a limit it cancels the body (for a fetch, the connection is dropped and
 * the rest never read) and throws `SseMessageTooLargeError`; what was parsed before stays
 * delivered. An unfinished last event is dropped, as `EventSource` drops it.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
  limits: SseLimits,
): Promise<void> {
  const parser = new SseParser(onMessage, limits)
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      parser.push(value)
    }
  } catch (error) {
    reader.cancel().catch(() => undefined)
    throw error
  }
}
