import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

/**
 * CORS for the web app: the configured origins (or `*`), GET and POST, JSON bodies, and the
 * SSE resume header. Browsers get no credentials: nothing here uses cookies.
 */
export function corsPolicy(origins: readonly string[] | '*'): MiddlewareHandler {
  return cors({
    origin: origins === '*' ? '*' : [...origins],
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Content-Type', 'Last-Event-ID'],
    maxAge: 600,
  })
}
