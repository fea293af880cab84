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
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    // Stop reading; the server answers and Node discards the rest of the body.
    if (size > maxBytes) throw tooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
