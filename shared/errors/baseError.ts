/** What a `BaseError` may carry besides its short message. */
export interface BaseErrorParameters {
  /** The error this one wraps; `walk` follows the chain of causes. */
  readonly cause?: unknown
  /**
   * Technical detail for logs, printed on a `Details:` line. When absent, `details` is the
   * cause's (its `details`, else its message) and the printed message stays the short one.
   */
  readonly details?: string | undefined
  /** Lines that help the reader, e.g. what a valid value looks like; printed after a blank line. */
  readonly metaMessages?: readonly string[] | undefined
}

/**
 * The base of the project's errors (viem's pattern): a one-line `shortMessage` for people, the
 * technical `details`, optional `metaMessages`, the `cause`, and `walk` to find an error of
 * interest along the chain of causes. Each subclass sets a literal `name`.
 *
 * The printed `message` is the short message, then the meta messages and the details only when
 * they are given explicitly: wrapping an error never changes the message clients and logs match
 * on.
 *
 * @example
 * class MarketConfigError extends BaseError {
 *   override name = 'MarketConfigError' as const
 * }
 * const error = new MarketConfigError('market "X": no quote token', { cause })
 * error.walk((e) => e instanceof ProofError) // the first ProofError among the causes, or null
 */
export class BaseError extends Error {
  override name = 'BaseError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly metaMessages: readonly string[] | undefined

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const { cause, details, metaMessages } = parameters
    super(
      formatMessage(shortMessage, details, metaMessages),
      cause === undefined ? undefined : { cause },
    )
    this.shortMessage = shortMessage
    this.details = details ?? detailsOf(cause)
    this.metaMessages = metaMessages
  }

  /** The deepest cause of the chain (this error when it has none). */
  walk(): unknown
  /** The first error of the chain, from this one down its causes, for which `fn` is true. */
  walk(fn: (error: unknown) => boolean): unknown
  walk(fn?: (error: unknown) => boolean): unknown {
    return walk(this, fn)
  }
}

function walk(error: unknown, fn: ((error: unknown) => boolean) | undefined): unknown {
  // A bounded walk: a chain of causes can loop (an error made its own cause's cause).
  const seen = new Set<unknown>([error])
  let current = error
  for (;;) {
    if (fn?.(current)) return current
    const next = causeOf(current)
    if (next === undefined || seen.has(next)) break
    seen.add(next)
    current = next
  }
  return fn === undefined ? current : null
}

function causeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined
}

function detailsOf(cause: unknown): string | undefined {
  if (cause instanceof BaseError) return cause.details ?? cause.shortMessage
  if (cause instanceof Error) return cause.message
  return typeof cause === 'string' ? cause : undefined
}

function formatMessage(
  shortMessage: string,
  details: string | undefined,
  metaMessages: readonly string[] | undefined,
): string {
  const parts = [shortMessage]
  if (metaMessages !== undefined && metaMessages.length > 0) parts.push('', ...metaMessages)
  if (details !== undefined) parts.push('', `Details: ${details}`)
  return parts.join('\n')
}
