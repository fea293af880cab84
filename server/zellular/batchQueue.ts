import { sizeKb } from './rateLimiter.ts'

/**
 * The client batches a node holds for one app before forwarding them to the sequencer
 * ("initialized" in zsequencer), with their total size kept as they come and go, so a cap can
 * be checked in O(1) for every request. Bodies go in at the back (clients, probes) or the front
 * (a failed or censored forward, a switch); the posting loop takes from the front.
 */
export class BatchQueue {
  private items: string[] = []
  private totalBytes = 0

  get length(): number {
    return this.items.length
  }

  /** UTF-8 bytes of every queued body. */
  get bytes(): number {
    return this.totalBytes
  }

  first(): string | undefined {
    return this.items[0]
  }

  includes(body: string): boolean {
    return this.items.includes(body)
  }

  toArray(): readonly string[] {
    return this.items
  }

  push(bodies: readonly string[]): void {
    for (const body of bodies) this.items.push(body)
    this.totalBytes += bytesOf(bodies)
  }

  /** Puts bodies back at the front, in their order (no spread: a long list must not overflow). */
  pushFront(bodies: readonly string[]): void {
    if (bodies.length === 0) return
    this.items = bodies.concat(this.items)
    this.totalBytes += bytesOf(bodies)
  }

  /** Takes bodies from the front while their total stays within `budgetKb`. */
  takeWithinKb(budgetKb: number): string[] {
    let total = 0
    let count = 0
    while (count < this.items.length) {
      const kb = sizeKb(this.items[count]!)
      if (total + kb > budgetKb) break
      total += kb
      count++
    }
    return this.take(count)
  }

  takeAll(): string[] {
    return this.take(this.items.length)
  }

  /** Replaces the content: `front` first, then the current bodies `keep` accepts, in order. */
  rebuild(front: readonly string[], keep: (body: string) => boolean): void {
    const kept = this.items.filter(keep)
    this.items = front.concat(kept)
    this.totalBytes = bytesOf(this.items)
  }

  private take(count: number): string[] {
    const taken = this.items.splice(0, count)
    this.totalBytes -= bytesOf(taken)
    return taken
  }
}

function bytesOf(bodies: readonly string[]): number {
  let total = 0
  for (const body of bodies) total += Buffer.byteLength(body, 'utf8')
  return total
}
