import { authMessage } from '../../shared/zellular/index.ts'

/*
 * Freshness of node-to-node requests. zsequencer's `Signature` header signs only the body's
 * hash, so a captured request (a follower's PUT /sequencer/batches, say) can be replayed later,
 * to another node, and overwrite its progress report with stale values. Our nodes also send
 * `Zellular-Freshness: <unix ms>;<target node id>` and `Zellular-Freshness-Signature`, a BLS
 * signature over method, path, target, time and body, and require them: a request is taken
 * once, by the node it was meant for, within `FRESHNESS_WINDOW_MS`. The legacy `Signature`
 * header is still sent (a zsequencer peer checks it) but not checked when the freshness
 * signature is, since it proves less: one pairing per request, as before.
 */

export const FRESHNESS_HEADER = 'Zellular-Freshness'
export const FRESHNESS_SIGNATURE_HEADER = 'Zellular-Freshness-Signature'

/** How far a request's time may be from ours, either way. */
export const FRESHNESS_WINDOW_MS = 10_000

export interface FreshnessFields {
  readonly method: string
  readonly path: string
  readonly target: string
  readonly timestampMs: number
  readonly body: string
}

/** The message the freshness signature signs. */
export function freshnessMessage(fields: FreshnessFields): string {
  const { method, path, target, timestampMs, body } = fields
  return authMessage(`zellular-node-request\n${method} ${path}\n${target}\n${timestampMs}\n${body}`)
}

export function freshnessHeader(timestampMs: number, target: string): string {
  return `${timestampMs};${target}`
}

/** Parses `<unix ms>;<target>`, or null. */
export function parseFreshnessHeader(
  value: string | undefined,
): { timestampMs: number; target: string } | null {
  if (value === undefined) return null
  const match = /^(\d{1,15});(0x[0-9a-fA-F]{1,64})$/.exec(value)
  if (!match) return null
  return { timestampMs: Number(match[1]), target: match[2]!.toLowerCase() }
}

/**
 * The freshness signatures seen within the window, so each request is taken once. Bounded: old
 * entries leave as the window moves, and past `maxEntries` live ones new requests are refused
 * (only a peer flooding with valid requests can fill it, and it then delays only itself).
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>()

  constructor(private readonly maxEntries = 50_000) {}

  /** Records `signature` (made at `timestampMs`) and says whether it is new. */
  admit(signature: string, timestampMs: number, now: number): boolean {
    this.expire(now)
    if (this.seen.has(signature) || this.seen.size >= this.maxEntries) return false
    this.seen.set(signature, timestampMs + FRESHNESS_WINDOW_MS)
    return true
  }

  /** Entries arrive roughly in time order, so the expired ones are at the front. */
  private expire(now: number): void {
    for (const [signature, until] of this.seen) {
      if (until >= now) return
      this.seen.delete(signature)
    }
  }
}
