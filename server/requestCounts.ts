import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'

/**
 * How many requests one server has answered, by method and route pattern (`PUT
 * /sequencer/batches`), for `GET /debug/requests` of nodes and replicas: `bench:latency` reads it
 * before and after each rate to show which calls between the processes a transfer costs. The
 * keys stay few: a request counts under the route pattern that answered it (this middleware's
 * own `/*` when none did), and Node's HTTP parser accepts only the standard methods.
 */
export class RequestCounts {
  readonly #counts = new Map<string, number>()

  /** Counts each request under its route once it is answered (or failed). */
  readonly middleware: MiddlewareHandler = async (c, next) => {
    try {
      await next()
    } finally {
      const key = `${c.req.method} ${routePath(c)}`
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
    }
  }

  /** Requests answered so far, by `METHOD /route/pattern`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#counts)
  }
}
