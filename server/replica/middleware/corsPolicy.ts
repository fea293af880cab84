import type { MiddlewareHandler } from 'hono'

const allowMethods = 'GET, POST, OPTIONS'
const allowHeaders = 'Content-Type, Last-Event-ID'

/**
 * CORS for the web app: the configured origins (or `*`), GET and POST, JSON bodies, and the
 * SSE resume header; no credentials (nothing here uses cookies). Written out rather than Hono's
 * `cors()`, which sets headers through `c.res` and so makes @hono/node-server build a full Web
 * Response for every answer; this one only adds headers to the answer being built.
 */
export function corsPolicy(origins: readonly string[] | '*'): MiddlewareHandler {
  const allowed = origins === '*' ? undefined : new Set(origins)
  return async function applyCorsPolicy(c, next) {
    const origin = c.req.header('origin')
    const allowOrigin =
      allowed === undefined ? '*' : origin !== undefined && allowed.has(origin) ? origin : undefined
    if (c.req.method === 'OPTIONS') {
      const headers: Record<string, string> = { 'Access-Control-Max-Age': '600' }
      if (allowOrigin !== undefined) {
        headers['Access-Control-Allow-Origin'] = allowOrigin
        headers['Access-Control-Allow-Methods'] = allowMethods
        headers['Access-Control-Allow-Headers'] = allowHeaders
      }
      if (allowed !== undefined) headers['Vary'] = 'Origin'
      return c.body(null, 204, headers)
    }
    if (allowOrigin !== undefined) c.header('Access-Control-Allow-Origin', allowOrigin)
    if (allowed !== undefined) c.header('Vary', 'Origin')
    await next()
  }
}
