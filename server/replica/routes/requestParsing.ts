import type { Context } from 'hono'
import type { z } from 'zod'
import { hash32Schema } from '../../../shared/api/index.ts'
import { parseAddress, type Address } from '../../../shared/intents/index.ts'
import { ApiError, rejection, statusOf } from '../apiError.ts'
import { readBodyText } from '../middleware/bodySizeLimit.ts'

/**
 * Parses the query string with a schema of `shared/api`; a failure is a 400 whose code is the
 * schema's message when it is a code (`invalid_address`), else `invalid_request`.
 */
export function parseQuery<schema extends z.ZodType>(c: Context, schema: schema): z.infer<schema> {
  const parsed = schema.safeParse(c.req.query())
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const field = typeof issue?.path[0] === 'string' ? issue.path[0] : undefined
  const named = issue?.message ?? ''
  // Schema messages that are API codes (e.g. `invalid_address`) are used as they are.
  const code =
    /^[a-z]+(?:_[a-z]+)+$/.test(named) && statusOf(named) === 400 ? named : 'invalid_request'
  const message =
    field === undefined ? 'invalid query' : `missing or invalid query parameter ${field}`
  throw new ApiError(code, message, field)
}

/** The canonical form of an address parameter, or a 400 naming the parameter. */
export function canonicalAddress(text: string, field = 'address'): Address {
  const parsed = parseAddress(text)
  if (!parsed.ok) throw rejection(parsed.reason, field)
  return parsed.value
}

/**
 * The `:id` path parameter of `/tx/:id` and `/order/:id` in lower case (ids are hashes), or a
 * 400 `invalid_request` naming it.
 */
export function hashIdParam(c: Context, what: 'an intent' | 'an order'): string {
  const id = (c.req.param('id') ?? '').toLowerCase()
  if (!hash32Schema.safeParse(id).success) {
    throw new ApiError('invalid_request', `${what} id is 0x and 64 hex digits`, 'id')
  }
  return id
}

/** The request body as JSON: 400 `malformed_json`, or 413 over `maxBytes`. */
export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const text = await readBodyText(c, maxBytes)
  try {
    return JSON.parse(text)
  } catch {
    throw rejection('malformed_json')
  }
}
