import { sizeKb } from './rateLimiter.ts'

/** One client's queued bodies, oldest first (taken from `head`, so taking one is O(1)). */
class Lane {
  items: string[] = []
  head = 0
  bytes = 0

  get length(): number {
    return this.items.length - this.head
  }

  peek(): string | undefined {
    return this.items[this.head]
  }

  /** Takes the oldest body, of `bytes` UTF-8 bytes. */
  shift(bytes: number): string {
    const body = this.items[this.head++]!
    this.bytes -= bytes
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return body
  }

  includes(body: string): boolean {
    return this.items.indexOf(body, this.head) !== -1
  }

  live(): string[] {
    return this.items.slice(this.head)
  }
}

/**
 * The client batches a node holds for one app before forwarding them to the sequencer
 * ("initialized" in zsequencer), with their total size, and each client's, kept as they come and
 * go, so caps are checked in O(1) for every request.
 *
 * zsequencer forwards in arrival order, so one client that floods a node delays everyone behind
 * its backlog. Here each client has a lane and the lanes are served in turn, one body each
 * (keeping each client's own order): a flood delays its sender. Bodies put back (a failed or
 * censored forward, a switch) go before every lane, in their order: they were taken once.
 */
export class BatchQueue {
  private front: string[] = []
  /** The lanes with bodies, in the order they are served next (a served lane moves last). */
  private readonly lanes = new Map<string, Lane>()
  private totalBytes = 0

  get length(): number {
    let total = this.front.length
    for (const lane of this.lanes.values()) total += lane.length
    return total
  }

  /** UTF-8 bytes of every queued body. */
  get bytes(): number {
    return this.totalBytes
  }

  /** UTF-8 bytes of `client`'s queued bodies (not counting those put back). */
  clientBytes(client: string): number {
    return this.lanes.get(client)?.bytes ?? 0
  }

  /** The body taken next. */
  first(): string | undefined {
    return this.front[0] ?? this.lanes.values().next().value?.peek()
  }

  includes(body: string): boolean {
    if (this.front.includes(body)) return true
    for (const lane of this.lanes.values()) if (lane.includes(body)) return true
    return false
  }

  /** Every queued body, in the order they would be taken. */
  toArray(): string[] {
    const order = [...this.front]
    const lanes = [...this.lanes.values()].map((lane) => lane.live())
    for (let turn = 0; lanes.some((items) => turn < items.length); turn++) {
      for (const items of lanes) if (turn < items.length) order.push(items[turn]!)
    }
    return order
  }

  /** Queues `client`'s bodies after its earlier ones. */
  push(client: string, bodies: readonly string[]): void {
    if (bodies.length === 0) return
    let lane = this.lanes.get(client)
    if (!lane) this.lanes.set(client, (lane = new Lane()))
    const bytes = bytesOf(bodies)
    for (const body of bodies) lane.items.push(body)
    lane.bytes += bytes
    this.totalBytes += bytes
  }

  /** Puts bodies back before everything, in their order (no spread: a long list may not fit). */
  pushFront(bodies: readonly string[]): void {
    if (bodies.length === 0) return
    this.front = bodies.concat(this.front)
    this.totalBytes += bytesOf(bodies)
  }

  /** Takes bodies in turn (put-back ones first) while their total stays within `budgetKb`. */
  takeWithinKb(budgetKb: number): string[] {
    let total = 0
    let count = 0
    for (; count < this.front.length; count++) {
      const kb = sizeKb(this.front[count]!)
      if (total + kb > budgetKb) break
      total += kb
    }
    const taken = this.front.splice(0, count)
    this.totalBytes -= bytesOf(taken)
    if (this.front.length > 0) return taken
    for (const [client, lane] of this.lanes) {
      const bytes = byteLength(lane.peek()!)
      if (total + bytes / 1024 > budgetKb) break
      total += bytes / 1024
      taken.push(lane.shift(bytes))
      this.totalBytes -= bytes
      // Served, the lane goes last: set again, this loop reaches it after the others.
      this.lanes.delete(client)
      if (lane.length > 0) this.lanes.set(client, lane)
    }
    return taken
  }

  takeAll(): string[] {
    return this.takeWithinKb(Infinity)
  }

  /** Replaces the content: `front` first, then the current bodies `keep` accepts, in order. */
  rebuild(front: readonly string[], keep: (body: string) => boolean): void {
    this.front = front.concat(this.front.filter(keep))
    this.totalBytes = bytesOf(this.front)
    for (const [client, lane] of this.lanes) {
      lane.items = lane.live().filter(keep)
      lane.head = 0
      lane.bytes = bytesOf(lane.items)
      this.totalBytes += lane.bytes
      if (lane.items.length === 0) this.lanes.delete(client)
    }
  }
}

function byteLength(body: string): number {
  return Buffer.byteLength(body, 'utf8')
}

function bytesOf(bodies: readonly string[]): number {
  let total = 0
  for (const body of bodies) total += byteLength(body)
  return total
}
