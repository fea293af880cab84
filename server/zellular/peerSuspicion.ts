/**
 * Sequencer role: peers that reported a sync point and then did not sign it. A Byzantine
 * follower can report honest-looking progress and withhold its signature; while it is
 * suspected, the sequencer picks sync points that the other peers can complete without it.
 * Suspicion expires, so an honest peer that was only slow is trusted again soon.
 */
export class PeerSuspicion {
  private readonly until = new Map<string, number>()

  constructor(private readonly forMs = 5_000) {}

  suspect(ids: Iterable<string>, now: number): void {
    for (const id of ids) this.until.set(id, now + this.forMs)
  }

  isSuspected(id: string, now: number): boolean {
    const until = this.until.get(id)
    if (until === undefined) return false
    if (until > now) return true
    this.until.delete(id)
    return false
  }

  clear(): void {
    this.until.clear()
  }
}
