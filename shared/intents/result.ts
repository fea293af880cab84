/**
 * The outcome of a check that can fail on expected bad input. Rejections are data, not
 * exceptions: hostile input in a sequenced batch must never stop a replica, so every parser in
 * this module returns a `Result` and keeps `throw` for broken invariants only.
 */
export type Result<value, reason extends string> =
  { readonly ok: true; readonly value: value } | Rejection<reason>

/** A failed `Result`: a stable reason code and, for field errors, the field it is about. */
export interface Rejection<reason extends string> {
  readonly ok: false
  readonly reason: reason
  /** Dotted path of the offending wire field, when the reason is about one field. */
  readonly field?: string
}

/** Wraps a value into a successful `Result`. */
export function ok<value>(value: value): { readonly ok: true; readonly value: value } {
  return { ok: true, value }
}

/** Builds a rejection; `field` is omitted from the object when not given. */
export function reject<reason extends string>(reason: reason, field?: string): Rejection<reason> {
  return field === undefined ? { ok: false, reason } : { ok: false, reason, field }
}
