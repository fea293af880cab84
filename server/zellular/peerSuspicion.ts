/**
 * Sequencer role: peers that reported a sync point and then did not sign it, or answered with a
 * forged signature. A Byzantine follower can report honest-looking progress and withhold its
 * signature; while it is suspected, the sequencer picks sync points that the other peers can
 * complete without it, and does not ask it.
 *
 * Every time a suspected peer is asked again and fails again costs a round trip, so the time a
 * peer is left out doubles with each repeated failure (5 s, 10 s, … up to a minute): a faulty
 * peer costs one slow round a minute instead of one every 5 s (which, at ~20 rounds a second,
 * was enough to move the p99 of finalization). A forged signature proves the fault, so it costs
 * the whole minute at once. A peer that was only slow once is trusted again after 5 s, and one
 * that stays clean for a minute after its suspicion ends starts over.
 *
 * The synchronizer keeps a second one, with the same backoff, for a milder fault: followers that
 * said they wait to sign and refused a point they were presumed to hold lose that presumption.
 */
export class PeerSuspicion {
  /** At most one entry per operator that ever failed (the network's size bounds it). */
  private readonly peers = new Map<string, { until: number; strikes: number }>()

  constructor(
    private readonly baseMs = 5_000,
    private readonly maxMs = 60_000,
  ) {}

  /** These peers claimed a point and did not sign it. */
  suspect(ids: Iterable<string>, now: number): void {
    for (const id of ids) {
      const previous = this.peers.get(id)
      const strikes = previous && now - previous.until < this.maxMs ? previous.strikes + 1 : 1
      const forMs = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(strikes - 1, 30))
      this.peers.set(id, { until: now + forMs, strikes })
    }
  }

  /** This peer answered with a signature that does not verify: proven faulty. */
  convict(id: string, now: number): void {
    const strikes = Math.ceil(Math.log2(this.maxMs / this.baseMs)) + 1
    this.peers.set(id, { until: now + this.maxMs, strikes })
  }

  isSuspected(id: string, now: number): boolean {
    const entry = this.peers.get(id)
    return entry !== undefined && entry.until > now
  }

  clear(): void {
    this.peers.clear()
  }
}
