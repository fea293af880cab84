import { describe, expect, it } from 'vitest'
import { readSse, SseMessageTooLargeError, SseParser, type SseMessage } from './sseReader.ts'

const limits = { maxMessageBytes: 64, maxBufferBytes: 64 }
const bytes = (text: string) => new TextEncoder().encode(text)

/** The messages `parts` make, fed to one parser chunk by chunk. */
function parse(parts: readonly (string | Uint8Array)[], given = limits): SseMessage[] {
  const messages: SseMessage[] = []
  const parser = new SseParser((message) => messages.push(message), given)
  for (const part of parts) parser.push(typeof part === 'string' ? bytes(part) : part)
  return messages
}

/** A body that delivers `parts` as its chunks, then ends. */
function body(parts: readonly (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const queue = [...parts]
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift()
      if (next === undefined) controller.close()
      else controller.enqueue(typeof next === 'string' ? bytes(next) : next)
    },
  })
}

describe('SseParser', () => {
  it('reads event, multi-line data and id, and keeps the last id for the next messages', () => {
    expect(
      parse(['event: book\ndata: {"a":\ndata:1}\nid: 7\n\n', 'data: plain\n\n', ': beat\n\n']),
    ).toEqual([
      { event: 'book', data: '{"a":\n1}', lastEventId: '7' },
      { event: 'message', data: 'plain', lastEventId: '7' },
    ])
  })

  it('splits lines on CRLF, CR and LF, across chunk boundaries, also inside UTF-8', () => {
    const euro = bytes('data: €\r\n\r\n')
    expect(parse([euro.subarray(0, 7), euro.subarray(7, 9), euro.subarray(9)])).toEqual([
      { event: 'message', data: '€', lastEventId: '' },
    ])
    // `data` without a colon is a data line with an empty value.
    expect(parse(['data: a\r', '\ndata: b\r\r', 'event: x\ndata\n', '\n'])).toEqual([
      { event: 'message', data: 'a\nb', lastEventId: '' },
      { event: 'x', data: '', lastEventId: '' },
    ])
  })

  it('ignores comments, unknown fields, a leading BOM and an event without data', () => {
    expect(parse(['\uFEFF: hello\nfoo: bar\nevent: lonely\n\n', 'data:x\nretry: 5\n\n'])).toEqual([
      { event: 'message', data: 'x', lastEventId: '' },
    ])
  })

  it('refuses a message over its cap, even one that never ends its line', () => {
    expect(() => parse([`data: ${'x'.repeat(40)}\n`, `data: ${'y'.repeat(40)}\n\n`])).toThrow(
      SseMessageTooLargeError,
    )
    // One line that never ends: refused once it passes the cap, not buffered whole.
    const parser = new SseParser(() => {}, limits)
    parser.push(bytes(`data: ${'x'.repeat(50)}`))
    expect(() => parser.push(bytes('x'.repeat(20)))).toThrow('over 64 bytes')
    // Messages each under the cap pass, however many.
    const many = Array.from({ length: 100 }, (_, n) => `data: ${n}\n\n`)
    expect(parse(many)).toHaveLength(100)
  })

  it('bounds what it holds of a comment line by the buffer cap', () => {
    const loose = { maxMessageBytes: 1024, maxBufferBytes: 64 }
    expect(() => parse([`: ${'z'.repeat(100)}`], loose)).toThrow(SseMessageTooLargeError)
    expect(parse([`: ${'z'.repeat(50)}\n`, 'data: y\n\n'], loose)).toHaveLength(1)
  })
})

describe('readSse', () => {
  it('passes each message of a byte stream on, then returns when the stream ends', async () => {
    const messages: SseMessage[] = []
    await readSse(
      body(['event: hello\nid: 1\nda', 'ta: {}\n\nevent: applied\ndata: 2\n\n']),
      (message) => messages.push(message),
      limits,
    )
    expect(messages).toEqual([
      { event: 'hello', data: '{}', lastEventId: '1' },
      { event: 'applied', data: '2', lastEventId: '1' },
    ])
  })

  it('cancels the stream at the first message over the cap and throws', async () => {
    let cancelled = false
    let pulls = 0
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1
        controller.enqueue(bytes(pulls === 1 ? 'data: ' : 'x'.repeat(16)))
      },
      cancel() {
        cancelled = true
      },
    })
    const error = await readSse(endless, () => {}, limits).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SseMessageTooLargeError)
    expect(cancelled).toBe(true)
    expect(pulls).toBeLessThan(10)
  })
})
