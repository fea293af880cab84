import type { TrackedRequest } from './requestsState.ts'

/**
 * How long an applied request took from the wallet's signature (its `submitting` stage) to
 * applied, on this browser's clock: the wait a trader felt after signing. Undefined before it
 * is applied, or when a stage's time is not known (a request restored without them).
 */
export function appliedAfterSigningMs(request: TrackedRequest): number | undefined {
  if (request.stage !== 'applied') return undefined
  const signed = request.stagedAt?.submitting
  const applied = request.stagedAt?.applied
  return signed === undefined || applied === undefined ? undefined : Math.max(0, applied - signed)
}

/** A short duration: `0.48 s` under 10 s, whole seconds above. */
export function durationText(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms / 1000)} s`
}
