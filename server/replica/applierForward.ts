import type { Context } from 'hono'
import { ApiError } from './apiError.ts'

/** Response headers of the applier that reach the client (CORS headers are the API's own). */
const passedHeaders = ['content-type', 'retry-after']

/**
 * What an API process cannot answer from the database (submissions, which need the applier's
 * pending set, journal and Zellular client; `/status` and `/network`; aggregate balances; a
 * pending intent's `/tx`) goes to the applier as it came: same method, path, query and body,
 * its answer passed back with its status. An applier that does not answer within `timeoutMs`
 * (or at all) is 503 `applier_unavailable`.
 */
export function forwardToApplier(options: {
  readonly applierUrl: string
  readonly timeoutMs: number
  readonly fetch?: typeof fetch
}): (c: Context) => Promise<Response> {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  return async function forward(c) {
    const url = new URL(c.req.url)
    const headers: Record<string, string> = {}
    const type = c.req.header('content-type')
    if (type !== undefined) headers['content-type'] = type
    const body = c.req.method === 'GET' ? undefined : await c.req.arrayBuffer()
    let answer: Response
    try {
      answer = await doFetch(`${options.applierUrl}${url.pathname}${url.search}`, {
        method: c.req.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(options.timeoutMs),
      })
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new ApiError('applier_unavailable', `the replica's applier did not answer: ${reason}`)
    }
    const passed = new Headers()
    for (const name of passedHeaders) {
      const value = answer.headers.get(name)
      if (value !== null) passed.set(name, value)
    }
    return new Response(answer.body, { status: answer.status, headers: passed })
  }
}
