import type { Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { readCappedText } from '../../shared/zellular/index.ts'

/*
 * Request bodies read with a size cap counted as chunks arrive, so an oversized body is refused
 * after `maxBytes`, not after it has been read whole. Under @hono/node-server the body is read
 * straight from the Node request: touching `c.req.raw`'s body builds a Web `Request` around a
 * `ReadableStream` adapted from the Node stream, which cost more than half of a replica POST
 * under load. Elsewhere (`app.request` in tests, other runtimes) the Web body is read.
 */

/**
 * The request body as UTF-8 text; throws `tooLarge()` when the announced size or the bytes read
 * pass `maxBytes`.
 */
export async function readLimitedText(
  c: Context,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  const announced = c.req.header('content-length')
  if (announced !== undefined && Number(announced) > maxBytes) throw tooLarge()
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (incoming !== undefined) return readNodeBody(incoming, maxBytes, tooLarge)
  const read = await readCappedText(c.req.raw.body, maxBytes)
  if ('tooLarge' in read) throw tooLarge()
  return read.text
}

async function readNodeBody(
  incoming: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<string> {
  // Past the cap the reading stops; the server answers and Node discards the rest of the body.
  const read = await readNodeText(incoming, maxBytes)
  if ('tooLarge' in read) throw tooLarge()
  return read.text
}

/**
 * A Node byte stream (a request or an answer) read to UTF-8 text with a size cap counted as
 * chunks arrive: past `maxBytes` the reading stops and the answer says how much had come. The
 * Node counterpart of `readCappedText` (Web streams); rejects if the stream fails or closes early.
 */
export async function readNodeText(
  stream: AsyncIterable<Buffer>,
  maxBytes: number,
  /** Called as each chunk arrives (a reader timing the silences between them). */
  onChunk: () => void = () => {},
): Promise<{ text: string } | { tooLarge: number }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    onChunk()
    size += chunk.byteLength
    if (size > maxBytes) return { tooLarge: size }
    chunks.push(chunk)
  }
  return { text: Buffer.concat(chunks, size).toString('utf8') }
}
