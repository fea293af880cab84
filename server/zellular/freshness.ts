/*
 * Freshness and authentication of node-to-node requests. zsequencer's `Signature` header signs
 * only the body's hash, so a captured request (a follower's PUT /sequencer/batches, say) can be
 * replayed later, to another node, and overwrite its progress report with stale values. Our
 * nodes also send `Zellular-Freshness: <unix ms>;<target node id>` and `Zellular-Freshness-Mac`,
 * an HMAC over signer, method, path, target, time and body under the key the two nodes share
 * (`requestMac.ts`), and require them: a request is taken once, from the node that made it, by
 * the node it was meant for, within `FRESHNESS_WINDOW_MS`. The legacy `Signature` header is
 * sent for zsequencer peers, which check it (`NodeConfig.signatureHeader`, off in a network of
 * our nodes alone), and not checked here, since the MAC proves more and costs no pairing.
 */

export const FRESHNESS_HEADER = 'Zellular-Freshness'
export const FRESHNESS_MAC_HEADER = 'Zellular-Freshness-Mac'

/** How far a request's time may be from ours, either way. */
export const FRESHNESS_WINDOW_MS = 10_000

export interface FreshnessFields {
  readonly signer: string
  readonly method: string
  readonly path: string
  readonly target: string
  readonly timestampMs: number
  readonly body: string
}

/** The text the freshness MAC covers. */
export function freshnessText(fields: FreshnessFields): string {
  const { signer, method, path, target, timestampMs, body } = fields
  return `zellular-node-request/v2\n${signer}\n${method} ${path}\n${target}\n${timestampMs}\n${body}`
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
 * The freshness MACs seen within the window, so each request is taken once. Bounded: old
 * entries leave as the window moves, and past `maxEntries` live ones new requests are refused
 * (only a peer flooding with valid requests can fill it, and it then delays only itself).
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>()

  constructor(private readonly maxEntries = 50_000) {}

  /** Records `mac` (of a request made at `timestampMs`) and says whether it is new. */
  admit(mac: string, timestampMs: number, now: number): boolean {
    this.expire(now)
    if (this.seen.has(mac) || this.seen.size >= this.maxEntries) return false
    this.seen.set(mac, timestampMs + FRESHNESS_WINDOW_MS)
    return true
  }

  /** Entries arrive roughly in time order, so the expired ones are at the front. */
  private expire(now: number): void {
    for (const [mac, until] of this.seen) {
      if (until >= now) return
      this.seen.delete(mac)
    }
  }
}
