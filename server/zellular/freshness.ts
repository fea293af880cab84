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

/** What the replay guard says of a request: new, seen before, or over its signer's bound. */
export type Admission = 'fresh' | 'replayed' | 'full'

/**
 * The freshness MACs seen within the window, so each request is taken once, kept apart for each
 * signer (a known operator: a request is recorded only once its MAC verified). Bounded per
 * signer: old entries leave as the window moves, and past `maxEntriesPerSigner` live ones a
 * signer's new requests are refused, and only its own. One shared bound let a single peer fill
 * it with valid requests dated ahead and so refuse every other node's for ~20 s.
 */
export class ReplayGuard {
  /** Per signer, each MAC and until when it is remembered, in arrival order. */
  private readonly seen = new Map<string, Map<string, number>>()

  /** 20,000 live entries are 1,000 requests a second for the 20 s an entry may live. */
  constructor(private readonly maxEntriesPerSigner = 20_000) {}

  /** Records `mac` (of a request `signer` made at `timestampMs`) if new and within bounds. */
  admit(signer: string, mac: string, timestampMs: number, now: number): Admission {
    let macs = this.seen.get(signer)
    if (macs === undefined) this.seen.set(signer, (macs = new Map()))
    expire(macs, now)
    if (macs.has(mac)) return 'replayed'
    if (macs.size >= this.maxEntriesPerSigner) return 'full'
    macs.set(mac, timestampMs + FRESHNESS_WINDOW_MS)
    return 'fresh'
  }
}

/**
 * Drops the expired entries at the front. One signer's entries arrive roughly in time order; a
 * signer that dates some ahead keeps its own older ones a little longer, within its bound.
 */
function expire(macs: Map<string, number>, now: number): void {
  for (const [mac, until] of macs) {
    if (until >= now) return
    macs.delete(mac)
  }
}
