import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ApiError } from '../apiError.ts'

/**
 * Refuses bodies over `maxBytes` with 413 `body_too_large`, whether the size is announced by
 * Content-Length or only discovered while reading a chunked body.
 */
export function bodySizeLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError(c) {
      const error = new ApiError('body_too_large', `the request body exceeds ${maxBytes} bytes`)
      return c.json(error.toBody(), 413)
    },
  })
  // Reads carry no body; skipping them also spares @hono/node-server from building a full Web
  // Request for every GET, which costs more than the read itself.
  return async function limitBodySize(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') {
      return next()
    }
    return limit(c, next)
  }
}
