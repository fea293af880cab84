import type { Context, MiddlewareHandler } from 'hono'
import type { IncomingMessage } from 'node:http'
import { ApiError } from '../apiError.ts'

/*
 * Body limits without Web streams. Under @hono/node-server, touching `c.req.raw`'s body makes it
 * build a full Web `Request` around a `ReadableStream` adapted from the Node stream, which cost
 * more than half of a POST /transfer under load (profile of bench:replica phase B). So the
 * announced size is checked from the header, and bodies are read straight from the Node request
 * with the limit counted as chunks arrive. Elsewhere (`app.request` in tests, other runtimes)
 * the Web body is read, with the same limit.
 */

/** 413 `body_too_large`. */
function tooLarge(maxBytes: number): ApiError {
  return new ApiError('body_too_large', `the request body exceeds ${maxBytes} bytes`)
}

/**
 * Refuses a request whose Content-Length is over `maxBytes` with 413 before any route runs.
 * A chunked body has no announced size: `readBodyText` enforces the limit while reading it.
 */
export function bodySizeLimit(maxBytes: number): MiddlewareHandler {
  return async function limitBodySize(c, next) {
    const announced = c.req.header('content-length')
    if (announced !== undefined && Number(announced) > maxBytes) throw tooLarge(maxBytes)
    return next()
  }
}

/** The request body as UTF-8 text, or 413 `body_too_large` once it exceeds `maxBytes`. */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (incoming !== undefined) return readNodeBody(incoming, maxBytes)
  const reader = c.req.raw.body?.getReader()
  if (reader === undefined) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw tooLarge(maxBytes)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function readNodeBody(incoming: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    // Stop reading; the server answers 413 and Node discards the rest of the body.
    if (size > maxBytes) throw tooLarge(maxBytes)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}
