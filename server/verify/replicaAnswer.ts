import { errorResponseSchema } from '../../shared/api/index.ts'

/** How a client asks replicas: its fetch (a test's, or the global one) and a per-request limit. */
export interface AskParameters {
  readonly fetch?: typeof fetch
  /** Per request, in ms. */
  readonly timeoutMs?: number
}

/**
 * A 2xx JSON body, or why there is none: the HTTP status when the replica answered one, and
 * `retry` when it said to ask again later (503: `proof_unavailable` until its next state hash,
 * or its state not yet loaded).
 */
export type Answer =
  | { readonly ok: true; readonly body: unknown }
  | {
      readonly ok: false
      readonly status?: number
      readonly retry: boolean
      readonly problem: string
    }

/** One GET of a replica's JSON, at most 1 MB; never throws. */
export async function getAnswer(parameters: AskParameters, url: string): Promise<Answer> {
  const doFetch = parameters.fetch ?? globalThis.fetch
  try {
    const response = await doFetch(url, {
      signal: AbortSignal.timeout(parameters.timeoutMs ?? 5_000),
    })
    const { status } = response
    const text = await response.text()
    if (text.length > 1_000_000) {
      return { ok: false, status, retry: false, problem: 'answer over 1 MB' }
    }
    if (response.ok) return { ok: true, body: JSON.parse(text) as unknown }
    const error = errorResponseSchema.safeParse(parseOrUndefined(text))
    const code = error.success ? ` ${error.data.error.code}` : ''
    return { ok: false, status, retry: status === 503, problem: `${status}${code}` }
  } catch (error) {
    return { ok: false, retry: false, problem: error instanceof Error ? error.message : 'failed' }
  }
}

/** A JSON body, or undefined on any failure (refused, timeout, non-2xx, not JSON, > 1 MB). */
export async function getJson(parameters: AskParameters, url: string): Promise<unknown> {
  const answer = await getAnswer(parameters, url)
  return answer.ok ? answer.body : undefined
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
