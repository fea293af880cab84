import type { Context, MiddlewareHandler } from 'hono'
import { readLimitedText } from '../../http/limitedBody.ts'
import { ApiError } from '../apiError.ts'

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

/**
 * The request body as UTF-8 text, or 413 `body_too_large` once it exceeds `maxBytes` (see
 * `readLimitedText`: counted as it arrives, read straight from the Node request).
 */
export function readBodyText(c: Context, maxBytes: number): Promise<string> {
  return readLimitedText(c, maxBytes, () => tooLarge(maxBytes))
}
